//! The zerodown command: parse arguments, run one command, map errors to exit codes.

use clap::Parser;

fn main() {
    let cli = zerodown::cli::Cli::parse();
    let code = match zerodown::commands::run(cli.command) {
        Ok(code) => code,
        Err(e) if e.is_located() => {
            eprintln!("{e}");
            e.exit_code()
        }
        Err(e) => {
            eprintln!("error: {e}");
            e.exit_code()
        }
    };
    std::process::exit(code);
}
