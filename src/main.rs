//! The zerodown command: parse arguments, run one command, map errors to exit codes.

use clap::Parser;

fn main() {
    let cli = zerodown::cli::Cli::parse();
    let code = match zerodown::commands::run(cli.command) {
        Ok(code) => code,
        Err(e) => {
            // Messages quote input (unknown keys, file names): no raw escape sequences reach the terminal.
            eprintln!(
                "error: {}",
                zerodown::error::terminal_safe(&e.to_string(), true)
            );
            e.exit_code()
        }
    };
    std::process::exit(code);
}
