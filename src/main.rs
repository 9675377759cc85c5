use std::io::Write;

use clap::Parser;

fn main() {
    promosim::heap::keep_freed_memory();
    let cli = match promosim::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to stdout: as for every command, a closed
            // pipe is quiet and a full device is an error (clap ignores both).
            let printed = e.print().and_then(|()| std::io::stdout().flush());
            if !e.use_stderr()
                && let Err(err) = promosim::cli::stdout_result(printed)
            {
                fail(&err);
            }
            std::process::exit(e.exit_code());
        }
    };
    if let Err(e) = promosim::cli::execute(cli) {
        fail(&e);
    }
}

/// Prints the error on one line of stderr (ignoring a closed stderr) and exits with its code.
fn fail(e: &promosim::cli::CliError) -> ! {
    let _ = writeln!(std::io::stderr().lock(), "error: {e}");
    std::process::exit(e.exit_code());
}
