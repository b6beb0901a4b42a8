//! Errors of every layer and the one map from error to exit code.
//! Messages name the field, show the value and say what is allowed, then a `help:` line.

use std::fmt;
use std::path::PathBuf;

/// Exit code for success.
pub const EXIT_OK: i32 = 0;
/// Exit code when `render --check` finds drift (or `check` finds faults).
pub const EXIT_FINDINGS: i32 = 1;
/// Exit code for bad input: flags, spec or preset files, conflicts with existing files.
pub const EXIT_USAGE: i32 = 2;
/// Exit code for an internal error (a template produced an invalid object): a bug in zerodown.
pub const EXIT_INTERNAL: i32 = 70;

/// One invalid answer: the field (as spelled in `zerodown.yaml`), the value given, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Field path in the spec, e.g. `resources.memoryMiB`.
    pub field: String,
    /// The rejected value as the user wrote it (empty when the field is missing).
    pub value: Option<String>,
    /// What is wrong and what is allowed.
    pub why: String,
    /// An optional next step.
    pub help: Option<String>,
    /// The flag that sets this field, when the value came from the command line.
    pub flag: Option<&'static str>,
}

impl FieldError {
    /// A field with a bad value.
    pub fn new(field: &str, value: impl fmt::Display, why: String) -> FieldError {
        FieldError {
            field: field.to_string(),
            value: Some(value.to_string()),
            why,
            help: None,
            flag: None,
        }
    }

    /// A required field that has no value.
    pub fn missing(field: &str, allowed: &str) -> FieldError {
        FieldError {
            field: field.to_string(),
            value: None,
            why: format!("is required: {allowed}"),
            help: None,
            flag: None,
        }
    }

    /// Adds a `help:` line.
    pub fn help(mut self, help: impl Into<String>) -> FieldError {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let flag = self.flag.map(|fl| format!(" ({fl})")).unwrap_or_default();
        match &self.value {
            Some(v) => write!(f, "`{}`{flag}: {:?} {}", self.field, v, self.why)?,
            None => write!(f, "`{}`{flag} {}", self.field, self.why)?,
        }
        if let Some(h) = &self.help {
            write!(f, "\n  help: {h}")?;
        }
        Ok(())
    }
}

/// Every invalid answer found in one pass, so the user fixes them all at once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    /// Adds one error.
    pub fn push(&mut self, e: FieldError) {
        self.0.push(e);
    }

    /// True when nothing was wrong.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "invalid value for {e}")?;
        }
        Ok(())
    }
}

/// Everything that can stop a command, each mapped to one exit code by [`Error::exit_code`].
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Answers that fail validation (exit 2).
    #[error("{0}")]
    Invalid(FieldErrors),
    /// A spec or preset file that cannot be read or parsed (exit 2). `location` is
    /// `file:line:column` when known, so editors can jump to it.
    #[error("{location}: error: {message}")]
    File { location: String, message: String },
    /// Several problems in one file, each a complete `file:line:column: error: message` line
    /// (exit 2).
    #[error("{}", .0.join("\n"))]
    Located(Vec<String>),
    /// Refusing to overwrite existing files (exit 2).
    #[error("{message}\n  help: {help}")]
    Conflict { message: String, help: String },
    /// Other bad usage, such as an unknown preset (exit 2).
    #[error("{message}{}", help.as_ref().map(|h| format!("\n  help: {h}")).unwrap_or_default())]
    Usage {
        message: String,
        help: Option<String>,
    },
    /// Writing the bundle failed; the destination is untouched or complete (exit 2 would hide the
    /// OS error kind, so this is reported as an I/O failure, exit 74).
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A bug: a template rendered an object that does not round-trip through its Kubernetes API
    /// type (exit 70). Nothing is written.
    #[error("internal error (nothing was written; please report this): {0}")]
    Internal(String),
    /// The errors of several inputs (such as the spec files of one `render`), each printed as it
    /// would be alone, one after the other; the exit code is the highest of theirs.
    #[error("{}", .0.iter().map(Error::report).collect::<Vec<_>>().join("\n"))]
    Several(Vec<Error>),
}

impl Error {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Invalid(_)
            | Error::File { .. }
            | Error::Located(_)
            | Error::Conflict { .. }
            | Error::Usage { .. } => EXIT_USAGE,
            Error::Write { .. } => 74,
            Error::Internal(_) => EXIT_INTERNAL,
            Error::Several(errors) => errors
                .iter()
                .map(Error::exit_code)
                .max()
                .unwrap_or(EXIT_USAGE),
        }
    }

    /// The whole message as printed: `error: ` first, unless it starts with its own
    /// `file:line:column: error:` location.
    pub fn report(&self) -> String {
        if self.is_located() {
            self.to_string()
        } else {
            format!("error: {self}")
        }
    }

    /// Whether the message already starts with a `file:line:column:` location (printed as is,
    /// in the format editors and `:make` jump to).
    pub fn is_located(&self) -> bool {
        matches!(
            self,
            Error::File { .. } | Error::Located(_) | Error::Several(_)
        )
    }

    /// A usage error with a help line.
    pub fn usage(message: impl Into<String>, help: impl Into<String>) -> Error {
        Error::Usage {
            message: message.into(),
            help: Some(help.into()),
        }
    }
}

impl From<FieldErrors> for Error {
    fn from(e: FieldErrors) -> Error {
        Error::Invalid(e)
    }
}

/// `text` with control characters and bidirectional-override characters shown as `\u{..}`
/// escapes, for printing text that came from an input file to a terminal: an escape sequence in a
/// manifest or a spec file must not recolour, retitle or clear the user's terminal, nor reorder
/// what they read. Line breaks are kept when `keep_newlines` (multi-line messages).
pub fn terminal_safe(text: &str, keep_newlines: bool) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| {
        (c.is_control() && !(keep_newlines && c == '\n'))
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if !text.contains(unsafe_char) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if unsafe_char(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_safe_escapes_control_and_bidi_characters() {
        assert_eq!(terminal_safe("plain ünïcode", false), "plain ünïcode");
        assert_eq!(
            terminal_safe("a\u{1b}[31mb\u{7}\n\u{202e}c", false),
            "a\\u{1b}[31mb\\u{7}\\u{a}\\u{202e}c"
        );
        assert_eq!(terminal_safe("line\nnext\r", true), "line\nnext\\u{d}");
    }
}
