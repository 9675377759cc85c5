use clap::Parser;

fn main() {
    let cli = promosim::cli::Cli::parse();
    if let Err(e) = promosim::cli::execute(cli) {
        eprintln!("error: {e}");
        std::process::exit(e.exit_code());
    }
}
