//! A format-preserving editor for block-style YAML documents: finds a key path by indentation and
//! rewrites only the lines of the fields it changes, so comments, key order, quoting and blank
//! lines of everything else stay byte-identical (what a user's yamllint and code review expect).
//!
//! Scope, by design: block mappings and sequences (what `kubectl`, Helm and people write). A path
//! that goes through a flow collection (`{...}`, `[...]`) or a multi-line scalar is refused with
//! an error, and the caller lists the finding for a manual fix instead of guessing.

use serde_json::Value;

/// One step of a path: a mapping key, or the sequence item whose `name:` is the given value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Seg {
    Key(String),
    Named(String),
}

/// Shorthand for a key path.
pub(crate) fn keys(path: &[&str]) -> Vec<Seg> {
    path.iter().map(|k| Seg::Key((*k).to_string())).collect()
}

/// A block mapping: its lines `[start, end)` of the document and the column of its keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Block {
    start: usize,
    end: usize,
    col: usize,
}

/// The lines of one YAML document, edited in place.
#[derive(Debug, Clone)]
pub(crate) struct DocLines {
    pub lines: Vec<String>,
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

fn is_content(line: &str) -> bool {
    let t = line.trim();
    !(t.is_empty() || t.starts_with('#') || t == "---" || t.starts_with("--- ") || t == "...")
}

fn is_dash(line: &str) -> bool {
    let t = line.trim_start_matches(' ');
    t == "-" || t.starts_with("- ")
}

/// The key starting exactly at `col` on this line (after any `- ` item markers), and the byte
/// offset just after its colon.
fn key_at(line: &str, col: usize) -> Option<(String, usize)> {
    let mut i = indent(line);
    while i < col && line[i..].starts_with("- ") {
        i += 2;
        i += indent(&line[i..]);
    }
    if i != col {
        return None;
    }
    let rest = &line[i..];
    if rest.starts_with(['-', '#', '{', '[', '?', '|', '>']) {
        return None;
    }
    let (key, after) = if let Some(q) = rest.strip_prefix('"') {
        let end = q.find('"')?;
        (q[..end].to_string(), i + 1 + end + 1)
    } else if let Some(q) = rest.strip_prefix('\'') {
        let end = q.find('\'')?;
        (q[..end].to_string(), i + 1 + end + 1)
    } else {
        let pos = rest
            .char_indices()
            .find(|&(p, c)| c == ':' && rest[p + 1..].chars().next().is_none_or(|n| n == ' '))
            .map(|(p, _)| p)?;
        (rest[..pos].trim_end().to_string(), i + pos)
    };
    if !line[after..].starts_with(':') {
        return None;
    }
    Some((key, after + 1))
}

/// The text after `key:` without its comment, and the comment part (with its leading spaces).
fn split_value(line: &str, after_colon: usize) -> (&str, &str) {
    let rest = &line[after_colon..];
    let mut in_s = false;
    let mut in_d = false;
    let bytes = rest.as_bytes();
    for (p, &b) in bytes.iter().enumerate() {
        match b {
            b'\'' if !in_d => in_s = !in_s,
            b'"' if !in_s => in_d = !in_d,
            b'#' if !in_s && !in_d && p > 0 && bytes[p - 1] == b' ' => {
                let v = rest[..p].trim_end();
                let cstart = v.len();
                return (v.trim_start(), &rest[cstart..]);
            }
            _ => {}
        }
    }
    (rest.trim(), "")
}

/// A found key: its line, the colon offset, and the end (exclusive) of its value's lines.
#[derive(Debug, Clone, Copy)]
struct Found {
    line: usize,
    after: usize,
    value_end: usize,
}

impl DocLines {
    /// Splits a document's text into lines (the line breaks are re-added by [`DocLines::text`]).
    pub fn new(text: &str) -> Self {
        DocLines {
            lines: text
                .split_inclusive('\n')
                .map(|l| l.trim_end_matches('\n').to_string())
                .collect(),
        }
    }

    /// The document text; every line ends with `\n`.
    pub fn text(&self) -> String {
        let mut s = String::new();
        for l in &self.lines {
            s.push_str(l);
            s.push('\n');
        }
        s
    }

    fn last_content_before(&self, from: usize, end: usize) -> usize {
        let mut e = end;
        while e > from && !is_content(&self.lines[e - 1]) {
            e -= 1;
        }
        e
    }

    fn root(&self) -> Result<Block, String> {
        let first = (0..self.lines.len())
            .find(|&i| is_content(&self.lines[i]))
            .ok_or("empty document")?;
        let col = indent(&self.lines[first]);
        Ok(Block {
            start: first,
            end: self.last_content_before(first, self.lines.len()),
            col,
        })
    }

    fn value_end(&self, line: usize, col: usize, end: usize) -> usize {
        let mut j = line + 1;
        while j < end {
            let l = &self.lines[j];
            if is_content(l) {
                let ind = indent(l);
                if ind < col || (ind == col && !is_dash(l)) {
                    break;
                }
            }
            j += 1;
        }
        self.last_content_before(line + 1, j)
    }

    fn find(&self, blk: Block, key: &str) -> Option<Found> {
        (blk.start..blk.end).find_map(|i| {
            let (k, after) = key_at(&self.lines[i], blk.col)?;
            (k == key).then(|| Found {
                line: i,
                after,
                value_end: self.value_end(i, blk.col, blk.end),
            })
        })
    }

    /// The block mapping under a found key (`None` when it has an inline or no value).
    fn map_of(&self, f: Found) -> Result<Block, String> {
        let (inline, _) = split_value(&self.lines[f.line], f.after);
        if !inline.is_empty() {
            return Err(format!(
                "line {}: `{}` is not a block mapping (flow style or scalar); edit it by hand",
                f.line + 1,
                self.lines[f.line].trim()
            ));
        }
        let first = (f.line + 1..f.value_end).find(|&i| is_content(&self.lines[i]));
        match first {
            Some(i) if !is_dash(&self.lines[i]) => Ok(Block {
                start: f.line + 1,
                end: f.value_end,
                col: indent(&self.lines[i]),
            }),
            Some(i) => Err(format!(
                "line {}: a sequence where a mapping was expected",
                i + 1
            )),
            None => Err(format!("line {}: empty value", f.line + 1)),
        }
    }

    /// The mapping of the sequence item under a found key whose `name:` equals `name`.
    fn item_of(&self, f: Found, name: &str) -> Result<Option<Block>, String> {
        let first = (f.line + 1..f.value_end).find(|&i| is_content(&self.lines[i]));
        let Some(first) = first.filter(|&i| is_dash(&self.lines[i])) else {
            return Err(format!(
                "line {}: not a block sequence; edit it by hand",
                f.line + 1
            ));
        };
        let d = indent(&self.lines[first]);
        let starts: Vec<usize> = (first..f.value_end)
            .filter(|&i| is_dash(&self.lines[i]) && indent(&self.lines[i]) == d)
            .collect();
        for (n, &s) in starts.iter().enumerate() {
            let end = starts.get(n + 1).copied().unwrap_or(f.value_end);
            let end = self.last_content_before(s, end);
            let line = &self.lines[s];
            let col = if line.trim() == "-" {
                match (s + 1..end).find(|&i| is_content(&self.lines[i])) {
                    Some(i) => indent(&self.lines[i]),
                    None => continue,
                }
            } else {
                d + 2 + indent(&line[d + 2..])
            };
            let blk = Block { start: s, end, col };
            if let Some(nf) = self.find(blk, "name") {
                let (v, _) = split_value(&self.lines[nf.line], nf.after);
                if v.trim_matches(['"', '\'']) == name {
                    return Ok(Some(blk));
                }
            }
        }
        Ok(None)
    }

    /// Resolves the mapping at `path`, creating missing keys (as empty block mappings) when
    /// `create` is set.
    fn resolve(&mut self, path: &[Seg], create: bool) -> Result<Option<Block>, String> {
        let mut blk = self.root()?;
        let mut i = 0;
        while i < path.len() {
            match &path[i] {
                Seg::Key(k) => match self.find(blk, k) {
                    Some(f) => {
                        if let Some(Seg::Named(n)) = path.get(i + 1) {
                            match self.item_of(f, n)? {
                                Some(b) => blk = b,
                                None => return Err(format!("no item named '{n}' under `{k}`")),
                            }
                            i += 2;
                            continue;
                        }
                        let (inline, _) = split_value(&self.lines[f.line], f.after);
                        if create && inline == "{}" {
                            let prefix = self.lines[f.line][..f.after].to_string();
                            self.lines[f.line] = prefix;
                            blk = Block {
                                start: f.line + 1,
                                end: f.line + 1,
                                col: blk.col + 2,
                            };
                        } else {
                            blk = self.map_of(f)?;
                        }
                    }
                    None if create => {
                        let at = blk.end;
                        self.lines
                            .insert(at, format!("{}{k}:", " ".repeat(blk.col)));
                        blk = Block {
                            start: at + 1,
                            end: at + 1,
                            col: blk.col + 2,
                        };
                    }
                    None => return Ok(None),
                },
                Seg::Named(n) => return Err(format!("item '{n}' without its list key")),
            }
            i += 1;
        }
        Ok(Some(blk))
    }

    /// The value text of a scalar field (without quotes handling), if present on its key's line.
    #[cfg(test)]
    pub fn scalar(&mut self, path: &[Seg]) -> Option<String> {
        let (last, parent) = path.split_last()?;
        let Seg::Key(k) = last else { return None };
        let blk = self.resolve(parent, false).ok()??;
        let f = self.find(blk, k)?;
        Some(split_value(&self.lines[f.line], f.after).0.to_string())
    }

    /// Sets `path` to `value`: a scalar in place on its line (keeping the line's comment), a
    /// mapping by replacing the key's lines; a missing key (and its missing parents) is added at
    /// the end of its parent mapping.
    pub fn set(&mut self, path: &[Seg], value: &Value) -> Result<(), String> {
        let (last, parent) = path.split_last().ok_or("empty path")?;
        let Seg::Key(k) = last else {
            return Err("a path must end with a key".into());
        };
        let blk = self.resolve(parent, true)?.ok_or("parent not found")?;
        match self.find(blk, k) {
            Some(f) => {
                let (inline, comment) = split_value(&self.lines[f.line], f.after);
                let has_block = f.value_end > f.line + 1;
                let scalar = !matches!(value, Value::Object(_) | Value::Array(_));
                if scalar && !has_block && !inline.starts_with(['|', '>', '&', '*', '!']) {
                    let prefix = &self.lines[f.line][..f.after];
                    self.lines[f.line] = format!("{prefix} {}{comment}", scalar_text(value));
                    return Ok(());
                }
                if is_dash(&self.lines[f.line]) && indent(&self.lines[f.line]) < blk.col {
                    return Err(format!(
                        "line {}: the field is the first of a list item; edit it by hand",
                        f.line + 1
                    ));
                }
                // A block sequence of scalars stays a block sequence, at its own dash column
                // (a reviewer sees the one item that changed, not a reflowed list).
                let dash_col = (f.line + 1..f.value_end)
                    .find(|&i| is_content(&self.lines[i]))
                    .filter(|&i| is_dash(&self.lines[i]))
                    .map(|i| indent(&self.lines[i]));
                if let (Some(dash), Value::Array(items)) = (dash_col, value) {
                    if inline.is_empty() && items.iter().all(|x| !x.is_object() && !x.is_array()) {
                        let prefix = self.lines[f.line][..f.after].to_string();
                        let mut new = vec![format!("{prefix}{comment}")];
                        for item in items {
                            new.extend(block_item(item, dash));
                        }
                        self.lines.splice(f.line..f.value_end, new);
                        return Ok(());
                    }
                }
                self.lines.drain(f.line..f.value_end);
                let new = emit(k, value, blk.col);
                for (n, l) in new.into_iter().enumerate() {
                    self.lines.insert(f.line + n, l);
                }
                Ok(())
            }
            None => {
                let new = emit(k, value, blk.col);
                for (n, l) in new.into_iter().enumerate() {
                    self.lines.insert(blk.end + n, l);
                }
                Ok(())
            }
        }
    }

    /// Removes the key at `path` with its value's lines (comment lines above it stay).
    /// Returns false when the key is absent.
    pub fn remove(&mut self, path: &[Seg]) -> Result<bool, String> {
        let (last, parent) = path.split_last().ok_or("empty path")?;
        let Seg::Key(k) = last else {
            return Err("a path must end with a key".into());
        };
        let Some(blk) = self.resolve(parent, false)? else {
            return Ok(false);
        };
        let Some(f) = self.find(blk, k) else {
            return Ok(false);
        };
        if is_dash(&self.lines[f.line]) && indent(&self.lines[f.line]) < blk.col {
            return Err(format!(
                "line {}: the field is the first of a list item; edit it by hand",
                f.line + 1
            ));
        }
        self.lines.drain(f.line..f.value_end);
        Ok(true)
    }
}

/// One scalar item of a block sequence at dash column `dash`: a multi-line string as a literal
/// block scalar (`|` keeps one final newline, `|-` none), anything else on the dash line.
fn block_item(v: &Value, dash: usize) -> Vec<String> {
    let pad = " ".repeat(dash);
    if let Value::String(s) = v {
        let body = s.strip_suffix('\n').unwrap_or(s);
        let literal = s.contains('\n')
            && !body.ends_with('\n')
            && !body.starts_with([' ', '\t'])
            && !body.lines().any(|l| l.ends_with([' ', '\t']))
            && !s.contains('\r');
        if literal {
            let mut out = vec![format!(
                "{pad}- |{}",
                if s.ends_with('\n') { "" } else { "-" }
            )];
            for l in body.lines() {
                out.push(if l.is_empty() {
                    String::new()
                } else {
                    format!("{pad}  {l}")
                });
            }
            return out;
        }
    }
    vec![format!("{pad}- {}", scalar_text(v))]
}

/// A scalar as YAML: numbers and booleans bare, strings plain when unambiguous, else
/// double-quoted (JSON string syntax is valid YAML).
pub(crate) fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => {
            let plain = !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
                // `-c`, `--port`: a plain scalar may start with '-' followed by a safe
                // character (YAML 1.2, 7.3.3); `-1`, `-.5`, `-` stay quoted.
                && (!s.starts_with('-')
                    || s[1..].starts_with(|c: char| c.is_ascii_alphabetic() || c == '-'))
                && !s.starts_with('.')
                && s.parse::<f64>().is_err()
                && !matches!(
                    s.to_ascii_lowercase().as_str(),
                    "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "y" | "n" | "~"
                );
            if plain {
                s.clone()
            } else {
                Value::String(s.clone()).to_string()
            }
        }
        Value::Null => "null".into(),
        Value::Array(a) => format!(
            "[{}]",
            a.iter().map(scalar_text).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(m) if m.is_empty() => "{}".into(),
        other => other.to_string(),
    }
}

/// Keys in the order Kubernetes documentation writes them (then alphabetical): serde_json maps
/// are sorted, which would put `apiVersion` after `spec` and a probe's handler after its numbers.
const ORDER: &[&str] = &[
    "op",
    "path",
    "value",
    "apiVersion",
    "group",
    "version",
    "kind",
    "metadata",
    "name",
    "namespace",
    "spec",
    "key",
    "operator",
    "values",
    "weight",
    "httpGet",
    "tcpSocket",
    "grpc",
    "exec",
    "sleep",
    "port",
    "host",
    "scheme",
    "initialDelaySeconds",
    "periodSeconds",
    "timeoutSeconds",
    "failureThreshold",
    "minAvailable",
    "maxUnavailable",
    "unhealthyPodEvictionPolicy",
    "selector",
    "resources",
    "patches",
];

fn ordered(m: &serde_json::Map<String, Value>) -> Vec<(&String, &Value)> {
    let mut v: Vec<_> = m.iter().collect();
    v.sort_by_key(|(k, _)| {
        (
            ORDER.iter().position(|o| o == k).unwrap_or(ORDER.len()),
            k.as_str(),
        )
    });
    v
}

/// `key: value` lines at column `col`, block style (lists of scalars in flow style).
pub(crate) fn emit(key: &str, v: &Value, col: usize) -> Vec<String> {
    let pad = " ".repeat(col);
    let k = scalar_text(&Value::String(key.to_string()));
    match v {
        Value::Object(m) if !m.is_empty() => {
            let mut out = vec![format!("{pad}{k}:")];
            for (ck, cv) in ordered(m) {
                out.extend(emit(ck, cv, col + 2));
            }
            out
        }
        Value::Array(a) if a.iter().any(|x| x.is_object() || x.is_array()) => {
            let mut out = vec![format!("{pad}{k}:")];
            for item in a {
                out.extend(emit_item(item, col + 2));
            }
            out
        }
        _ => vec![format!("{pad}{k}: {}", scalar_text(v))],
    }
}

/// One sequence item at column `col` (`- ` then the item's mapping at `col + 2`).
fn emit_item(v: &Value, col: usize) -> Vec<String> {
    let pad = " ".repeat(col);
    match v {
        Value::Object(m) if !m.is_empty() => {
            let mut out = Vec::new();
            for (n, (ck, cv)) in ordered(m).into_iter().enumerate() {
                let mut lines = emit(ck, cv, col + 2);
                if n == 0 {
                    lines[0] = format!("{pad}- {}", &lines[0][col + 2..]);
                }
                out.extend(lines);
            }
            out
        }
        _ => vec![format!("{pad}- {}", scalar_text(v))],
    }
}

/// A whole document (a mapping) as block YAML lines.
pub(crate) fn emit_document(v: &Value) -> Vec<String> {
    match v {
        Value::Object(m) => ordered(m)
            .into_iter()
            .flat_map(|(k, v)| emit(k, v, 0))
            .collect(),
        other => vec![scalar_text(other)],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const DEP: &str = "# head comment\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app  # the name\nspec:\n  replicas: 2   # fixed count\n  template:\n    spec:\n      containers:\n      - name: side\n        image: a:1\n      - name: app\n        image: b:2\n        ports:\n          - containerPort: 80\n        # trailing comment in app\n      volumes: []\n";

    #[test]
    fn sets_a_scalar_keeping_its_comment() {
        let mut d = DocLines::new(DEP);
        d.set(&keys(&["spec", "replicas"]), &json!(3)).unwrap();
        assert_eq!(d.lines[6], "  replicas: 3   # fixed count");
        assert_eq!(
            d.scalar(&keys(&["metadata", "name"])).as_deref(),
            Some("app")
        );
    }

    #[test]
    fn removes_a_key_and_only_its_line() {
        let mut d = DocLines::new(DEP);
        assert!(d.remove(&keys(&["spec", "replicas"])).unwrap());
        assert_eq!(d.text(), DEP.replace("  replicas: 2   # fixed count\n", ""));
        assert!(!d.remove(&keys(&["spec", "replicas"])).unwrap());
    }

    #[test]
    fn inserts_into_a_named_item_of_an_indentless_list() {
        let mut d = DocLines::new(DEP);
        let mut p = keys(&["spec", "template", "spec", "containers"]);
        p.push(Seg::Named("app".into()));
        p.extend(keys(&["lifecycle", "preStop", "sleep", "seconds"]));
        d.set(&p, &json!(5)).unwrap();
        let want = DEP.replace(
            "          - containerPort: 80\n",
            "          - containerPort: 80\n        lifecycle:\n          preStop:\n            sleep:\n              seconds: 5\n",
        );
        assert_eq!(d.text(), want);
    }

    #[test]
    fn replaces_a_block_value_and_refuses_flow_parents() {
        let mut d = DocLines::new("spec:\n  probe:\n    exec: x\n    period: 1\n  other: 1\n");
        d.set(
            &keys(&["spec", "probe"]),
            &json!({"tcpSocket": {"port": "http"}}),
        )
        .unwrap();
        assert_eq!(
            d.text(),
            "spec:\n  probe:\n    tcpSocket:\n      port: http\n  other: 1\n"
        );
        let mut f = DocLines::new("spec: {a: 1}\n");
        let err = f.set(&keys(&["spec", "b"]), &json!(1)).unwrap_err();
        assert!(err.contains("not a block mapping"), "{err}");
    }

    #[test]
    fn emits_lists_of_maps_and_quotes_ambiguous_strings() {
        let v = json!({"selector": {"matchExpressions": [{"key": "a", "operator": "In", "values": ["x", "yes"]}]}});
        assert_eq!(
            emit_document(&v),
            vec![
                "selector:",
                "  matchExpressions:",
                "    - key: a",
                "      operator: In",
                "      values: [x, \"yes\"]",
            ]
        );
    }
}
