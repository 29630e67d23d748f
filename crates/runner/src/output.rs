//! The one place that prints: data on stdout, diagnostics on stderr.
//!
//! Every command hands its results to a [`Printer`], which knows the output format, whether
//! colour is allowed and whether progress may be drawn. Errors are printed here and only
//! here: `error:` first, one `caused by:` line per cause, then `hint:` lines after a blank
//! line. Writes to a closed stderr are ignored rather than allowed to panic, so
//! `sfiu … 2>&1 | head` ends quietly.

use std::fmt;
use std::io::{IsTerminal as _, Write as _};
use std::process::ExitCode;

use crate::cli::{ColorChoice, GlobalArgs};

/// How a command ended when it did not fail outright.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Completed and found nothing wrong: exit 0.
    Success,
    /// Completed, but found problems (drift, validation issues): exit 1.
    ProblemsFound,
    /// Could not complete (usage, configuration, network, plugin failure): exit 2.
    Failed,
}

impl Outcome {
    /// The process exit code for this outcome.
    pub(crate) fn exit_code(self) -> ExitCode {
        match self {
            Outcome::Success => ExitCode::SUCCESS,
            Outcome::ProblemsFound => ExitCode::from(1),
            Outcome::Failed => ExitCode::from(2),
        }
    }
}

/// An error that carries advice for the user, printed as `hint:` lines.
///
/// Attach it with `anyhow::Error::new(Hinted::new(..))` or [`with_hint`]; the printer finds it
/// anywhere in the cause chain.
#[derive(Debug)]
pub(crate) struct Hinted {
    message: String,
    hints: Vec<String>,
}

impl Hinted {
    /// An error message with one or more hints.
    pub(crate) fn new(message: impl Into<String>, hints: Vec<String>) -> Self {
        Self {
            message: message.into(),
            hints,
        }
    }
}

impl fmt::Display for Hinted {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.message)
    }
}

impl std::error::Error for Hinted {}

/// Builds an error with a message and a single hint.
pub(crate) fn with_hint(message: impl Into<String>, hint: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Hinted::new(message, vec![hint.into()]))
}

/// Output format chosen with `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub(crate) enum Format {
    /// Human-readable text.
    #[default]
    Human,
    /// One JSON document (or JSON Lines for streaming commands), no colour.
    Json,
}

/// Colours used for meaning that is also carried by words.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Tone {
    Error,
    Warning,
    Success,
    Path,
}

/// Prints data to stdout and diagnostics to stderr, honouring colour and quiet settings.
#[derive(Debug)]
pub(crate) struct Printer {
    color_stdout: bool,
    color_stderr: bool,
    quiet: bool,
    progress: bool,
    /// Whether anything went to stdout, so a failed JSON run prints one document, not two.
    wrote_data: std::cell::Cell<bool>,
}

impl Printer {
    /// A printer for the given global flags.
    pub(crate) fn new(global: &GlobalArgs) -> Self {
        Self {
            color_stdout: global.color.is_enabled_for_stdout(),
            color_stderr: global.color.is_enabled_for_stderr(),
            quiet: global.quiet,
            progress: !global.quiet
                && !global.no_progress
                && global.verbose == 0
                && std::io::stderr().is_terminal(),
            wrote_data: std::cell::Cell::new(false),
        }
    }

    /// Shows which step is running, on one redrawn line of an interactive stderr (never
    /// with `-q`, `-v`, `--no-progress` or JSON output).
    pub(crate) fn progress(&self, format: Format, position: usize, total: usize, label: &str) {
        if self.progress && format == Format::Human {
            let bar: String = (0..total)
                .map(|index| if index < position { '#' } else { '.' })
                .collect();
            let _ = write!(
                std::io::stderr(),
                "\r\x1b[2K[{bar}] {position}/{total} {label}…"
            );
        }
    }

    /// Clears the progress line, before the results are printed.
    pub(crate) fn clear_progress(&self, format: Format) {
        if self.progress && format == Format::Human {
            let _ = write!(std::io::stderr(), "\r\x1b[2K");
        }
    }

    /// Writes one line of data to stdout. A closed pipe ends the process quietly.
    pub(crate) fn data(&self, line: impl fmt::Display) {
        self.wrote_data.set(true);
        let mut stdout = std::io::stdout().lock();
        if writeln!(stdout, "{line}").is_err() {
            // The reader went away (for example `sfiu plugin list | head -1`): exit 0 quietly,
            // as a well-behaved filter does.
            #[expect(
                clippy::disallowed_methods,
                reason = "a closed stdout ends the run with 0"
            )]
            std::process::exit(0);
        }
    }

    /// Writes a JSON document to stdout.
    pub(crate) fn json(&self, value: &serde_json::Value) {
        let text =
            serde_json::to_string_pretty(value).expect("a serde_json::Value always serialises");
        self.data(text);
    }

    /// Colours text for stdout when colour is enabled.
    pub(crate) fn paint(&self, tone: Tone, text: &str) -> String {
        paint(self.color_stdout, tone, text)
    }

    /// A status line on stderr (suppressed by `-q`).
    pub(crate) fn status(&self, line: impl fmt::Display) {
        if !self.quiet {
            let _ = writeln!(std::io::stderr(), "{line}");
        }
    }

    /// A user-facing warning on stderr, shown without `-v`.
    pub(crate) fn warn(&self, message: impl fmt::Display) {
        if !self.quiet {
            let label = paint(self.color_stderr, Tone::Warning, "warning:");
            let _ = writeln!(std::io::stderr(), "{label} {message}");
        }
    }

    /// One validation issue and its hint: on stdout when the issues are the command's result
    /// (`spec check`), on stderr when they are diagnostics beside other data (`plan`).
    pub(crate) fn issue(&self, issue: &sfiu_core::Issue, on_stdout: bool) {
        let color = if on_stdout {
            self.color_stdout
        } else {
            self.color_stderr
        };
        let (tone, label) = if issue.is_error() {
            (Tone::Error, "error")
        } else {
            (Tone::Warning, "warning")
        };
        let mut text = format!(
            "{}[{}] {}: {}",
            paint(color, tone, label),
            issue.code,
            paint(color, Tone::Path, &issue.path),
            issue.message
        );
        if let Some(hint) = &issue.hint {
            text.push_str(&format!("\n    hint: {hint}"));
        }
        if on_stdout {
            self.data(text);
        } else if !self.quiet || issue.is_error() {
            let _ = writeln!(std::io::stderr(), "{text}");
        }
    }

    /// A success line on stderr.
    pub(crate) fn success(&self, message: impl fmt::Display) {
        if !self.quiet {
            let label = paint(self.color_stderr, Tone::Success, "ok:");
            let _ = writeln!(std::io::stderr(), "{label} {message}");
        }
    }

    /// Prints an error and its causes, then any hints found in the chain.
    pub(crate) fn error(&self, error: &anyhow::Error) {
        let _ = write!(std::io::stderr(), "{}", self.render_error(error));
    }

    /// Whether the command already wrote to stdout (its JSON document, when it failed late).
    pub(crate) fn wrote_data(&self) -> bool {
        self.wrote_data.get()
    }

    /// The error as a JSON document, for `--format json` runs that could not complete.
    pub(crate) fn error_document(&self, error: &anyhow::Error) -> serde_json::Value {
        let causes: Vec<String> = error.chain().skip(1).map(ToString::to_string).collect();
        serde_json::json!({
            "format_version": 1,
            "error": error.to_string(),
            "causes": causes,
            "hints": hints(error),
        })
    }

    fn render_error(&self, error: &anyhow::Error) -> String {
        let mut text = format!(
            "{} {error}\n",
            paint(self.color_stderr, Tone::Error, "error:")
        );
        for cause in error.chain().skip(1) {
            text.push_str(&format!("caused by: {cause}\n"));
        }
        let hints = hints(error);
        if !hints.is_empty() {
            text.push('\n');
            for hint in hints {
                text.push_str(&format!(
                    "{} {hint}\n",
                    paint(self.color_stderr, Tone::Path, "hint:")
                ));
            }
        }
        text
    }
}

/// The hints an error carries: a [`Hinted`] as the outermost context (found only through the
/// error itself) or anywhere in the chain of causes.
fn hints(error: &anyhow::Error) -> Vec<String> {
    let mut hints = Vec::new();
    if let Some(hinted) = error.downcast_ref::<Hinted>() {
        hints.extend(hinted.hints.iter().cloned());
    }
    for cause in error.chain().skip(1) {
        if let Some(hinted) = cause.downcast_ref::<Hinted>() {
            hints.extend(hinted.hints.iter().cloned());
        }
    }
    hints.dedup();
    hints
}

fn paint(enabled: bool, tone: Tone, text: &str) -> String {
    if !enabled {
        return text.to_owned();
    }
    let code = match tone {
        Tone::Error => "31",
        Tone::Warning => "33",
        Tone::Success => "32",
        Tone::Path => "36",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

impl ColorChoice {
    fn is_enabled_for(self, is_terminal: bool) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        }
    }

    /// Whether stdout may carry colour.
    pub(crate) fn is_enabled_for_stdout(self) -> bool {
        self.is_enabled_for(std::io::stdout().is_terminal())
    }

    /// Whether stderr may carry colour.
    pub(crate) fn is_enabled_for_stderr(self) -> bool {
        self.is_enabled_for(std::io::stderr().is_terminal())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain_printer() -> Printer {
        Printer {
            color_stdout: false,
            color_stderr: false,
            quiet: false,
            progress: false,
            wrote_data: std::cell::Cell::new(false),
        }
    }

    #[test]
    fn error_lists_causes_then_hints() {
        let error = anyhow::Error::new(Hinted::new("no free seat", vec!["buy one".into()]))
            .context("licence check failed for org `acme`");
        let text = plain_printer().render_error(&error);
        assert_eq!(
            text,
            "error: licence check failed for org `acme`\ncaused by: no free seat\n\nhint: buy one\n"
        );
    }

    #[test]
    fn colour_never_adds_no_escape_codes() {
        assert_eq!(paint(false, Tone::Error, "x"), "x");
        assert!(paint(true, Tone::Error, "x").contains("\x1b[31m"));
    }
}
