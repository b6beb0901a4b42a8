//! Reading `zerodown.yaml` and preset files: size limits, YAML parsing with `file:line:column`
//! errors (the format editors jump to), and the schema comment written at the top of a spec.

use std::io::Read;
use std::path::Path;

use serde::de::DeserializeOwned;

use crate::error::{Error, FieldErrors};
use crate::preset::Preset;
use crate::spec::Spec;

/// Largest spec or preset file read, in bytes (1 MiB): a real one is under 4 KiB.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// The JSON schema of `zerodown.yaml`, written beside it in every bundle (`zerodown schema` prints
/// the same). The spec's `yaml-language-server` line names it by this relative path, which the
/// language server resolves against the spec's own folder (yaml-language-server PR #499), so
/// completion works offline and matches the zerodown version that wrote the bundle.
pub const SCHEMA_FILE: &str = "zerodown.schema.json";

/// The `yaml-language-server` line at the top of every `zerodown.yaml`.
pub const SCHEMA_LINE: &str = "# yaml-language-server: $schema=zerodown.schema.json";

/// The schema line zerodown 0.1 wrote: a URL that never resolved. `render` points it out.
pub const OLD_SCHEMA_LINE: &str = "# yaml-language-server: $schema=https://raw.githubusercontent.com/zerodown-dev/zerodown/main/schema/zerodown.schema.json";

/// The JSON schema (draft 2020-12) of `zerodown.yaml`, pretty-printed, from the [`Spec`] type.
pub fn schema_json() -> String {
    let schema = schemars::schema_for!(Spec);
    serde_json::to_string_pretty(&schema).unwrap_or_default()
}

/// Reads a UTF-8 text file of at most [`MAX_FILE_BYTES`]. Errors name the file and the reason.
pub fn read_text(path: &Path) -> Result<String, Error> {
    let err = |message: String| Error::File {
        location: path.display().to_string(),
        message,
    };
    let file = std::fs::File::open(path).map_err(|e| err(format!("cannot read: {e}")))?;
    let meta = file
        .metadata()
        .map_err(|e| err(format!("cannot read: {e}")))?;
    if meta.is_dir() {
        return Err(err("is a folder; give the path of a YAML file".into()));
    }
    let Some(bytes) =
        read_capped(file, MAX_FILE_BYTES).map_err(|e| err(format!("cannot read: {e}")))?
    else {
        return Err(err(format!(
            "is larger than {} KiB; a spec is a few lines of YAML",
            MAX_FILE_BYTES / 1024
        )));
    };
    String::from_utf8(bytes).map_err(|_| err("is not UTF-8 text".into()))
}

/// All of `r`, or `None` when it holds more than `cap` bytes (reading stops there, so an endless
/// input such as `/dev/zero` costs `cap` bytes at most). Used for spec, preset and `check` inputs.
///
/// Errors: the read error.
pub(crate) fn read_capped(r: impl Read, cap: u64) -> std::io::Result<Option<Vec<u8>>> {
    let mut bytes = Vec::new();
    r.take(cap + 1).read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= cap).then_some(bytes))
}

/// Deepest nesting of flow collections (`[`, `{`) handed to the YAML parser. The parser's time
/// grows with the square of the depth (100,000 levels: half a minute), and serde refuses more than
/// 128 levels anyway, so deeper text is refused before it is parsed.
pub const MAX_FLOW_NESTING: usize = 1000;

/// The 1-based line where `[`/`{` nesting first goes deeper than [`MAX_FLOW_NESTING`], if it
/// does. Brackets inside strings count too: no real manifest comes near the limit.
pub fn flow_nesting_too_deep(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut line = 1;
    for b in text.bytes() {
        match b {
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_FLOW_NESTING {
                    return Some(line);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            b'\n' => line += 1,
            _ => {}
        }
    }
    None
}

/// Parses YAML into `T`, rejecting unknown keys (with serde's list of expected ones) and turning
/// errors into `origin:line:column: message`.
pub fn parse_yaml<T: DeserializeOwned>(text: &str, origin: &str) -> Result<T, Error> {
    if let Some(line) = flow_nesting_too_deep(text) {
        return Err(Error::File {
            location: format!("{origin}:{line}:1"),
            message: format!(
                "'[' or '{{' nested deeper than {MAX_FLOW_NESTING} levels; not parsed"
            ),
        });
    }
    serde_yaml_ng::from_str(text).map_err(|e| {
        let location = match e.location() {
            Some(l) => format!("{origin}:{}:{}", l.line(), l.column()),
            None => origin.to_string(),
        };
        let message = e.to_string();
        // serde_yaml_ng appends " at line L column C"; the location already says it.
        let message = match message.rfind(" at line ") {
            Some(i) => message[..i].to_string(),
            None => message,
        };
        Error::File {
            location,
            message: shorten_quoted_value(with_suggestion(message)),
        }
    })
}

/// Longest quoted input value kept in a message, in characters.
const QUOTED_VALUE_CHARS: usize = 40;

/// serde quotes the whole offending value (`invalid type: string "..."`, ``unknown field `...` ``,
/// ``unknown variant `...` ``): a file read by mistake (`presetFile: /etc/passwd`, a shadow file)
/// would land whole in the message, and in CI logs. Keeps the first [`QUOTED_VALUE_CHARS`]
/// characters of each quoted value.
fn shorten_quoted_value(message: String) -> String {
    // A string value: from `string "` to the last quote (its inner quotes are escaped).
    let message = match message.find("string \"").map(|i| i + "string \"".len()) {
        Some(start) => {
            let end = message
                .rfind("\", expected")
                .or_else(|| message.rfind('"'))
                .unwrap_or(start);
            if end > start {
                cut(&message, start, end)
            } else {
                message
            }
        }
        None => message,
    };
    // Names in backticks: every other backtick opens one.
    let ticks: Vec<usize> = message.match_indices('`').map(|(i, _)| i).collect();
    let mut out = message;
    for pair in ticks.chunks_exact(2).rev() {
        out = cut(&out, pair[0] + 1, pair[1]);
    }
    out
}

/// `text` with the part `start..end` cut to [`QUOTED_VALUE_CHARS`] characters, saying how many
/// more there were.
fn cut(text: &str, start: usize, end: usize) -> String {
    match text[start..end].char_indices().nth(QUOTED_VALUE_CHARS) {
        Some((at, _)) => format!(
            "{}… ({} more characters){}",
            &text[..start + at],
            text[start + at..end].chars().count(),
            &text[end..]
        ),
        None => text.to_string(),
    }
}

/// Adds "did you mean" to serde's `unknown field `x`, expected one of `a`, `b`` (and the same
/// for unknown variants) when one of the expected names is close.
fn with_suggestion(message: String) -> String {
    let (Some(start), Some(list)) = (message.find('`'), message.find("expected one of ")) else {
        return message;
    };
    let given = message[start + 1..].split('`').next().unwrap_or("");
    let expected: Vec<&str> = message[list..].split('`').skip(1).step_by(2).collect();
    match crate::preset::did_you_mean(given, &expected) {
        Some(close) => format!("{message} (did you mean `{close}`?)"),
        None => message,
    }
}

/// The 1-based line where `field` (a dotted path; the last part is searched) first appears as a
/// key, or 1 when it is not written in the file (a missing field).
pub fn line_of_key(text: &str, field: &str) -> usize {
    let key = field.rsplit('.').next().unwrap_or(field);
    text.lines()
        .position(|l| {
            let t = l.trim_start().trim_start_matches("- ");
            t.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
        })
        .map(|i| i + 1)
        .unwrap_or(1)
}

/// Loads and validates a spec file. Returns the spec and the preset it names (built-in, or the
/// `presetFile` resolved against the spec's folder). Errors carry `file:line:column`.
pub fn load_spec(path: &Path, warnings: &mut Vec<String>) -> Result<(Spec, Preset), Error> {
    let text = read_text(path)?;
    let origin = path.display().to_string();
    if text.lines().any(|l| l.trim_end() == OLD_SCHEMA_LINE) {
        warnings.push(format!(
            "the `yaml-language-server` line of {origin} names a schema URL that does not exist; \
             replace that first line with `{SCHEMA_LINE}` (the schema `zerodown render` writes beside it)"
        ));
    }
    let spec: Spec =
        parse_yaml(&text, &origin).map_err(|first| all_problems(&text, &origin, first))?;
    let preset = match &spec.preset_file {
        Some(rel) => {
            let base = path.parent().unwrap_or(Path::new("."));
            Preset::from_file(&base.join(rel))?
        }
        None => Preset::builtin(&spec.preset).map_err(|e| Error::File {
            location: format!("{origin}:{}:1", line_of_key(&text, "preset")),
            message: e.to_string(),
        })?,
    };
    let spec = spec
        .validated(&preset, warnings)
        .map_err(|errs| field_errors_at(&errs, &text, &origin))?;
    Ok((spec, preset))
}

/// serde stops at a spec file's first problem and names it in Rust's words; the spec's JSON
/// schema names every one, in its own words, each with its `file:line:column`. `first` (serde's
/// error) is kept for what the schema cannot see (YAML syntax, a non-mapping document).
fn all_problems(text: &str, origin: &str, first: Error) -> Error {
    if flow_nesting_too_deep(text).is_some() {
        return first;
    }
    let Ok(doc) = serde_yaml_ng::from_str::<serde_json::Value>(text) else {
        return first;
    };
    if doc.is_null() {
        return Error::File {
            location: format!("{origin}:1:1"),
            message: "is empty: a spec is a mapping of answers such as `name:` and `image:` (`zerodown new` writes one; `zerodown schema` lists them all)".into(),
        };
    }
    let found = crate::spec_errors::violations(&doc);
    if found.is_empty() {
        return first;
    }
    Error::Located(
        found
            .iter()
            .map(|v| {
                let (line, col) = crate::spec_errors::position(text, &v.pointer);
                if v.field.is_empty() {
                    format!("{origin}:{line}:{col}: error: {}", v.message)
                } else {
                    format!(
                        "{origin}:{line}:{col}: error: invalid value for `{}`: {}",
                        v.field, v.message
                    )
                }
            })
            .collect(),
    )
}

/// Records `helm: true` in the spec file at `path` (after `render --helm` wrote the chart into its
/// bundle): a top-level `helm:` line is replaced, else the line is appended; every other byte of
/// the user's file (comments, order) stays as it was. Written atomically (temporary sibling,
/// renamed over it).
///
/// Errors: [`Error::Write`] naming the file when it cannot be read or replaced.
pub fn record_helm(path: &Path) -> Result<(), Error> {
    let write_err = |e: std::io::Error| Error::Write {
        path: path.to_path_buf(),
        source: e,
    };
    let text = std::fs::read_to_string(path).map_err(write_err)?;
    let mut lines: Vec<&str> = text.lines().collect();
    match lines.iter().position(|l| l.starts_with("helm:")) {
        Some(i) => lines[i] = "helm: true",
        None => lines.push("helm: true"),
    }
    let mut new = lines.join("\n");
    new.push('\n');
    crate::bundle::replace_file(path, &new)
}

/// Turns validation errors of a file into one `file:line:column: error: ...` line per field
/// (column 1: the field's line is found by its key).
pub fn field_errors_at(errs: &FieldErrors, text: &str, origin: &str) -> Error {
    Error::Located(
        errs.0
            .iter()
            .map(|e| {
                let line = line_of_key(text, &e.field);
                let col = text
                    .lines()
                    .nth(line - 1)
                    .map(|l| l.len() - l.trim_start().len() + 1)
                    .unwrap_or(1);
                format!("{origin}:{line}:{col}: error: invalid value for {e}")
            })
            .collect(),
    )
}

/// The text of `zerodown.yaml`: a header that says what made it and how to validate it, then the
/// spec as YAML.
pub fn spec_file_text(spec: &Spec) -> Result<String, Error> {
    let body = serde_yaml_ng::to_string(spec)
        .map_err(|e| Error::Internal(format!("spec to YAML: {e}")))?;
    Ok(format!(
        "{SCHEMA_LINE}\n\
         # zerodown spec: the answers this bundle is rendered from. Edit it, then run `zerodown render`\n\
         # in this folder (`zerodown explain` shows every tuned value and why).\n{body}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_quoted_value_is_cut_in_messages() {
        let long = "root:x:0:0:root:/root:/bin/bash ".repeat(20);
        let e = parse_yaml::<crate::preset::Preset>(&long, "p.yaml").unwrap_err();
        let text = e.to_string();
        assert!(text.starts_with("p.yaml:1:1: error: invalid type: string \"root:x:0:0:root:/root:/bin/bash root:x:0… (599 more characters)\", expected struct Preset"), "{text}");
        assert!(text.contains(" more characters)\", expected"), "{text}");
        assert!(text.len() < 200, "{text}");
        let short = parse_yaml::<crate::preset::Preset>("just words", "p.yaml").unwrap_err();
        assert!(
            short.to_string().contains("string \"just words\""),
            "{short}"
        );
    }

    #[test]
    fn finds_key_lines() {
        let t = "name: a\nresources:\n  memoryMiB: 3\n";
        assert_eq!(line_of_key(t, "resources.memoryMiB"), 3);
        assert_eq!(line_of_key(t, "name"), 1);
        assert_eq!(line_of_key(t, "port"), 1);
    }

    #[test]
    fn deep_flow_nesting_is_refused_before_parsing() {
        let ok = format!(
            "a: {}{}\n",
            "[".repeat(MAX_FLOW_NESTING),
            "]".repeat(MAX_FLOW_NESTING)
        );
        assert_eq!(flow_nesting_too_deep(&ok), None);
        assert_eq!(flow_nesting_too_deep(&"[]".repeat(100_000)), None);
        let deep = format!("a: 1\nb: {}", "{a: ".repeat(1_000_000));
        assert_eq!(flow_nesting_too_deep(&deep), Some(2));
        let e = parse_yaml::<Spec>(&deep, "z.yaml").unwrap_err().to_string();
        assert!(
            e.starts_with("z.yaml:2:1: error: '[' or '{' nested deeper than 1000"),
            "{e}"
        );
    }

    #[test]
    fn yaml_errors_carry_file_line_and_column() {
        let e = parse_yaml::<Spec>("name: a\nnamespce: b\n", "z.yaml")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("z.yaml:2:1: error: unknown field `namespce`"),
            "{e}"
        );
        assert!(e.contains("expected one of"), "{e}");
        assert!(e.ends_with("(did you mean `namespace`?)"), "{e}");
        let e = parse_yaml::<Spec>("traffic: stedy\n", "z.yaml")
            .unwrap_err()
            .to_string();
        assert!(e.ends_with("(did you mean `steady`?)"), "{e}");
    }
}
