//! The zerodown command: parse arguments, run one command, map errors to exit codes.

use clap::Parser;

fn main() {
    // Like other Unix filters: a closed pipe (`zerodown explain | head -1`) ends the process
    // quietly instead of a panic in `println!`.
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of SIGPIPE before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
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
