//! Every problem of a `zerodown.yaml` at once: the file is checked against the spec's own JSON
//! schema (`zerodown schema`) before it is deserialized, so a file with three mistakes gets three
//! `file:line:column: error:` lines in the schema's words (field, value, what is allowed),
//! instead of serde's first error in Rust's (`expected u16`).

use std::sync::OnceLock;

use jsonschema::error::ValidationErrorKind;
use serde_json::Value;

/// The spec's JSON schema and its compiled validator, built once per process.
fn schema() -> &'static (Value, jsonschema::Validator) {
    static SCHEMA: OnceLock<(Value, jsonschema::Validator)> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let value = serde_json::to_value(schemars::schema_for!(crate::spec::Spec))
            .expect("the spec schema is JSON");
        let validator = jsonschema::validator_for(&value).expect("the spec schema compiles");
        (value, validator)
    })
}

/// One schema violation: the field as a dotted path (`resources.memoryMiB`, `env[2].name`; empty
/// for the whole file), its JSON pointer (`/resources/memoryMiB`) and the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Dotted field path, as the spec's other errors name fields.
    pub field: String,
    /// JSON pointer of the value in the document.
    pub pointer: String,
    /// What is wrong and what is allowed.
    pub message: String,
}

/// Every way `doc` (a spec file parsed as plain YAML) breaks the spec schema, in document order
/// of their pointers; empty when it conforms.
pub fn violations(doc: &Value) -> Vec<Violation> {
    let (root, validator) = schema();
    let mut out: Vec<Violation> = Vec::new();
    // (parent pointer, key) of each "did you mean": its "missing field" twin is the same typo.
    let mut meant: Vec<(String, String)> = Vec::new();
    for e in validator.iter_errors(doc) {
        let at = e.instance_path().as_str().to_string();
        if let ValidationErrorKind::AdditionalProperties { unexpected } = e.kind() {
            // One violation per unknown key, on the key's own line.
            for key in unexpected {
                // the object's own schema: what may be written here
                let here = node_at(root, parent_of(e.schema_path().as_str()));
                let allowed: Vec<&str> = here
                    .and_then(|n| n.get("properties"))
                    .and_then(Value::as_object)
                    .map(|p| p.keys().map(String::as_str).collect())
                    .unwrap_or_default();
                let hint = crate::preset::did_you_mean(key, &allowed).map(str::to_string);
                if let Some(h) = &hint {
                    meant.push((at.clone(), h.clone()));
                }
                let pointer = format!("{at}/{}", key.replace('~', "~0").replace('/', "~1"));
                let help = match hint {
                    Some(c) => format!(" (did you mean `{c}`?)"),
                    None if !allowed.is_empty() => format!(
                        "; expected one of {}",
                        allowed
                            .iter()
                            .map(|a| format!("`{a}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    None => String::new(),
                };
                out.push(Violation {
                    field: String::new(),
                    pointer,
                    message: format!(
                        "unknown field `{}`{}{help}",
                        key.chars().take(40).collect::<String>(),
                        match dotted(&at) {
                            d if d.is_empty() => String::new(),
                            d => format!(" in `{d}`"),
                        }
                    ),
                });
            }
            continue;
        }
        let message = describe(e.kind(), e.instance(), root, e.schema_path().as_str());
        out.push(Violation {
            field: dotted(&at),
            pointer: at,
            message,
        });
    }
    out.retain(|v| {
        !meant.iter().any(|(parent, key)| {
            *parent == v.pointer && v.message == format!("missing field `{key}`")
        })
    });
    out.dedup();
    out
}

/// A schema path without its last segment (the keyword that failed): the node that holds it.
fn parent_of(schema_path: &str) -> &str {
    schema_path.rsplit_once('/').map(|(p, _)| p).unwrap_or("")
}

/// A JSON-pointer segment as the key it names (`~1` is `/`, `~0` is `~`; RFC 6901).
fn unescape(seg: &str) -> String {
    seg.replace("~1", "/").replace("~0", "~")
}

/// `/env/2/name` -> `env[2].name`.
fn dotted(pointer: &str) -> String {
    let mut s = String::new();
    for seg in pointer.split('/').skip(1) {
        let seg = unescape(seg);
        if seg.bytes().all(|b| b.is_ascii_digit()) && !seg.is_empty() {
            s.push_str(&format!("[{seg}]"));
        } else {
            if !s.is_empty() {
                s.push('.');
            }
            s.push_str(&seg);
        }
    }
    s
}

/// A value as the message quotes it: strings in backticks, cut to 40 characters.
fn shown(v: &Value) -> String {
    match v {
        Value::String(s) => {
            let cut: String = s.chars().take(40).collect();
            if cut.len() < s.len() {
                format!("`{cut}…`")
            } else {
                format!("`{s}`")
            }
        }
        Value::Object(_) => "this mapping".into(),
        Value::Array(_) => "this list".into(),
        other => other.to_string(),
    }
}

/// The schema node at `schema_path` (a pointer into the root schema that may pass through
/// `$ref`s, as the validator reports it), with `$ref`s followed.
fn node_at<'a>(root: &'a Value, schema_path: &str) -> Option<&'a Value> {
    let mut node = root;
    for seg in schema_path.split('/').skip(1) {
        if seg == "$ref" {
            let target = node.get("$ref")?.as_str()?.strip_prefix('#')?;
            node = root.pointer(target)?;
            continue;
        }
        let seg = unescape(seg);
        node = match node {
            Value::Array(items) => items.get(seg.parse::<usize>().ok()?)?,
            other => other.get(&seg)?,
        };
    }
    Some(node)
}

fn describe(
    kind: &ValidationErrorKind,
    instance: &Value,
    root: &Value,
    schema_path: &str,
) -> String {
    use ValidationErrorKind as K;
    let value = shown(instance);
    match kind {
        K::AdditionalProperties { unexpected } => {
            format!("unknown fields {}", unexpected.join(", "))
        }
        K::Required { property } => {
            format!("missing field `{}`", property.as_str().unwrap_or_default())
        }
        K::Type { .. } => {
            let wanted = node_at(root, parent_of(schema_path))
                .and_then(|n| n.get("type"))
                .map(type_words)
                .unwrap_or_else(|| "of the right type".into());
            if instance.is_array() && parent_of(schema_path).is_empty() {
                return "the file must be a mapping of answers (`name: ...`, `image: ...`), not a list".into();
            }
            format!("{value} is not {wanted}")
        }
        K::Minimum { limit } => format!("{value} is below the minimum of {limit}"),
        K::Maximum { limit } => format!("{value} is above the maximum of {limit}"),
        K::ExclusiveMinimum { limit } => format!("{value} must be above {limit}"),
        K::ExclusiveMaximum { limit } => format!("{value} must be below {limit}"),
        K::MinLength { limit } => format!("{value} is shorter than {limit} characters"),
        K::MaxLength { limit } => format!("{value} is longer than {limit} characters"),
        K::MinItems { limit } => format!("needs at least {limit} entries"),
        K::MaxItems { limit } => format!("takes at most {limit} entries"),
        K::Pattern { pattern } => format!("{value} does not match the pattern {pattern}"),
        K::Enum { options } => format!("{value} is not one of {}", list(options)),
        K::Constant { expected_value } => format!("{value} must be {expected_value}"),
        K::OneOfNotValid { .. } | K::AnyOf { .. } | K::OneOfMultipleValid { .. } => one_of_words(
            &value,
            node_at(
                root,
                schema_path
                    .trim_end_matches(|c| c != '/')
                    .trim_end_matches('/'),
            ),
            instance,
        ),
        other => format!("{value} is not allowed here ({other:?})")
            .chars()
            .take(200)
            .collect(),
    }
}

/// "steady, spiky or low"
fn list(options: &Value) -> String {
    let words: Vec<String> = options
        .as_array()
        .map(|a| {
            a.iter()
                .map(|v| {
                    v.as_str()
                        .map(|s| format!("`{s}`"))
                        .unwrap_or_else(|| v.to_string())
                })
                .collect()
        })
        .unwrap_or_default();
    match words.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        Some((last, _)) => last.clone(),
        None => "the allowed values".into(),
    }
}

/// What a `oneOf`/`anyOf` allows: the constants of an enum, or the one key each form has.
fn one_of_words(value: &str, parent: Option<&Value>, instance: &Value) -> String {
    let alternatives = parent
        .and_then(|p| p.get("oneOf").or_else(|| p.get("anyOf")))
        .and_then(Value::as_array);
    let Some(alternatives) = alternatives else {
        return format!("{value} is none of the allowed forms (see `zerodown schema`)");
    };
    let consts: Vec<Value> = alternatives
        .iter()
        .filter_map(|a| a.get("const").cloned())
        .collect();
    if consts.len() == alternatives.len() {
        let names: Vec<&str> = consts.iter().filter_map(Value::as_str).collect();
        let hint = instance
            .as_str()
            .and_then(|given| crate::preset::did_you_mean(given, &names))
            .map(|c| format!(" (did you mean `{c}`?)"))
            .unwrap_or_default();
        return format!("{value} is not one of {}{hint}", list(&Value::from(consts)));
    }
    let keys: Vec<String> = alternatives
        .iter()
        .filter_map(|a| {
            a.get("required")?
                .as_array()?
                .first()?
                .as_str()
                .map(|k| format!("`{k}`"))
        })
        .collect();
    if keys.len() == alternatives.len() {
        return format!(
            "{value} must have exactly one of the keys {}, each with its own fields",
            list(&Value::from(
                keys.iter().map(|k| k.trim_matches('`')).collect::<Vec<_>>()
            ))
        );
    }
    format!("{value} is none of the allowed forms (see `zerodown schema`)")
}

/// A schema `type` in words: `"integer"` -> "an integer", `["integer", "null"]` -> "an integer"
/// (null only marks an optional field).
fn type_words(t: &Value) -> String {
    let names: Vec<&str> = match t {
        Value::String(s) => vec![s.as_str()],
        Value::Array(a) => a
            .iter()
            .filter_map(Value::as_str)
            .filter(|s| *s != "null")
            .collect(),
        _ => vec![],
    };
    let words: Vec<&str> = names
        .iter()
        .map(|n| match *n {
            "integer" => "an integer",
            "number" => "a number",
            "string" => "a string",
            "boolean" => "true or false",
            "array" => "a list",
            "object" => "a mapping",
            _ => "of the right type",
        })
        .collect();
    if words.is_empty() {
        "of the right type".into()
    } else {
        words.join(" or ")
    }
}

/// The 1-based line and column of the value at `pointer` in the YAML `text`, found by the keys
/// and list items along the path and their indentation (block style, as zerodown writes specs
/// and people edit them). Falls back to the deepest part of the path it can find, then line 1.
pub fn position(text: &str, pointer: &str) -> (usize, usize) {
    let lines: Vec<&str> = text.lines().collect();
    let mut from = 0usize; // first line index the next segment may be on
    let mut parent_indent: isize = -1;
    let mut found = (1usize, 1usize);
    for seg in pointer.split('/').skip(1) {
        let seg = unescape(seg);
        let hit = if let Ok(index) = seg.parse::<usize>() {
            // the index-th `- ` item deeper than the parent
            let mut seen = 0;
            let mut hit = None;
            for (i, l) in lines.iter().enumerate().skip(from) {
                let indent = (l.len() - l.trim_start().len()) as isize;
                let t = l.trim_start();
                if t.is_empty() || t.starts_with('#') {
                    continue;
                }
                if indent <= parent_indent && !t.starts_with("- ") && i > from {
                    break;
                }
                if t.starts_with("- ") || t == "-" {
                    if seen == index {
                        hit = Some((i, indent + 2));
                        break;
                    }
                    seen += 1;
                }
            }
            hit
        } else {
            let mut hit = None;
            for (i, l) in lines.iter().enumerate().skip(from) {
                let t = l.trim_start();
                if t.is_empty() || t.starts_with('#') {
                    continue;
                }
                let mut indent = (l.len() - t.len()) as isize;
                let mut t = t;
                while let Some(rest) = t.strip_prefix("- ") {
                    indent += 2;
                    t = rest;
                }
                if i > from && indent <= parent_indent {
                    break;
                }
                let key = t.trim_start_matches(['"', '\'']);
                if key.starts_with(seg.as_str())
                    && key[seg.len()..]
                        .trim_start_matches(['"', '\''])
                        .trim_start()
                        .starts_with(':')
                {
                    hit = Some((i, indent));
                    break;
                }
            }
            hit
        };
        match hit {
            Some((i, indent)) => {
                found = (i + 1, indent as usize + 1);
                from = i + 1;
                parent_indent = indent;
                if seg.parse::<usize>().is_ok() {
                    // a list item's own keys may sit on the `- ` line itself
                    from = i;
                    parent_indent = indent - 1;
                }
            }
            None => break,
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Value {
        serde_yaml_ng::from_str(text).unwrap()
    }

    const GOOD: &str = "name: a\nnamespace: b\npreset: generic\nappType: generic\nimage: r.example/a:1.0.0\nport: 8080\nreadiness:\n  httpGet:\n    path: /readyz\nliveness:\n  httpGet:\n    path: /livez\nstartupSeconds: 5\nmaxStartupSeconds: 30\ndrainSeconds: 10\ntraffic: steady\ncost: balanced\nexposure: internal\nresources:\n  cpuRequestMillicores: 100\n  cpuLimitMillicores: 500\n  memoryMiB: 256\n  ephemeralStorageMiB: 512\nimageHasShell: false\nrunAsUser: 10001\npartOf: a\nkubeVersion: '1.35'\n";

    #[test]
    fn a_valid_spec_has_no_violations() {
        assert_eq!(violations(&doc(GOOD)), vec![]);
    }

    #[test]
    fn every_violation_at_once_in_the_schemas_words() {
        let text = GOOD
            .replace("port: 8080", "port: 70000")
            .replace("traffic: steady", "traffic: stedy")
            .replace("namespace: b", "namespce: b")
            .replace("  memoryMiB: 256", "  memoryMiB: lots");
        let v = violations(&doc(&text));
        let by_field = |f: &str| {
            v.iter()
                .filter(|x| x.field == f)
                .map(|x| x.message.clone())
                .collect::<Vec<_>>()
                .join(" | ")
        };
        assert_eq!(by_field("port"), "70000 is above the maximum of 65535");
        assert_eq!(
            by_field("traffic"),
            "`stedy` is not one of `steady`, `spiky` or `low` (did you mean `steady`?)"
        );
        assert_eq!(by_field("resources.memoryMiB"), "`lots` is not an integer");
        assert!(
            v.iter().any(|x| x.pointer == "/namespce"
                && x.message == "unknown field `namespce` (did you mean `namespace`?)"),
            "{v:?}"
        );
        // the same typo is not reported a second time as a missing `namespace`
        assert!(
            !v.iter().any(|x| x.message.contains("missing field")),
            "{v:?}"
        );
        assert_eq!(v.len(), 4, "{v:?}");
        for x in &v {
            assert!(
                !x.message.contains("u16") && !x.message.contains("u32"),
                "{x:?}"
            );
        }
    }

    #[test]
    fn an_unknown_key_without_a_close_name_lists_what_is_allowed_there() {
        let text = GOOD.replace("  memoryMiB: 256", "  memoryMiB: 256\n  gpus: 1");
        let v = violations(&doc(&text));
        assert_eq!(v.len(), 1, "{v:?}");
        assert_eq!(v[0].pointer, "/resources/gpus");
        assert_eq!(
            v[0].message,
            "unknown field `gpus` in `resources`; expected one of `cpuLimitMillicores`, `cpuRequestMillicores`, `ephemeralStorageMiB`, `memoryMiB`"
        );
        let list = violations(&doc("- name: a\n"));
        assert_eq!(
            list[0].message,
            "the file must be a mapping of answers (`name: ...`, `image: ...`), not a list"
        );
        let port = violations(&doc(&GOOD.replace("port: 8080", "port: eighty")));
        assert_eq!(port[0].message, "`eighty` is not an integer");
        let shell = violations(&doc(
            &GOOD.replace("imageHasShell: false", "imageHasShell: 'yes'")
        ));
        assert_eq!(shell[0].message, "`yes` is not true or false");
    }

    #[test]
    fn a_probe_of_no_known_form_names_the_forms() {
        let text = GOOD.replace("  httpGet:\n    path: /readyz", "  grpc:\n    port: 1");
        let v = violations(&doc(&text));
        assert!(
            v.iter().any(|x| x.field == "readiness"
                && x.message == "this mapping must have exactly one of the keys `httpGet`, `exec` or `tcpSocket`, each with its own fields"),
            "{v:?}"
        );
    }

    #[test]
    fn positions_follow_the_path() {
        let t = "name: a\nresources:\n  cpuRequestMillicores: 1\n  memoryMiB: x\nenv:\n  - name: A\n    value: b\n  - name: 1B\n";
        assert_eq!(position(t, "/resources/memoryMiB"), (4, 3));
        assert_eq!(position(t, "/name"), (1, 1));
        assert_eq!(position(t, "/env/1/name"), (8, 5));
        assert_eq!(position(t, "/env/0/value"), (7, 5));
        assert_eq!(position(t, "/missing/deeper"), (1, 1));
        assert_eq!(position(t, ""), (1, 1));
    }
}
