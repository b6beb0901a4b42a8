//! The zerodown command: parse arguments, run one command, map errors to exit codes.

use clap::Parser;

/// mimalloc instead of the system allocator: `check` of a whole cluster dump spends about a third
/// of its time in glibc malloc/free (perf on 100,000 documents), building and dropping YAML and
/// JSON trees.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
        // Messages quote input (unknown keys, file names): no raw escape sequences reach the
        // terminal. Located errors already start with `file:line:column: error:` (editor format).
        Err(e) => {
            eprintln!("{}", zerodown::error::terminal_safe(&e.report(), true));
            e.exit_code()
        }
    };
    std::process::exit(code);
}
