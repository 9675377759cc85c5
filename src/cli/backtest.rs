//! `promosim backtest`: replay a history's commits through a calibrated model.

use std::path::PathBuf;

use super::{CliError, print};
use crate::experiment::backtest;

pub const HELP: &str = "Example:\n  promosim backtest calibrated.yaml --history events.csv --format csv\n\nWrites index.html (verdict, quantile table, QQ and CDF charts), quantiles.csv and the charts' SVG\nto reports/<scenario>/backtest/ (or --out). See docs/calibrate.md.";

#[derive(Debug, clap::Args)]
pub struct BacktestArgs {
    /// The calibrated scenario (from `promosim calibrate`).
    pub scenario: PathBuf,
    /// The history files it was calibrated from (or newer ones).
    #[arg(long, required = true, num_args = 1..)]
    pub history: Vec<PathBuf>,
    /// Their format: csv, gh-runs, github or azure.
    #[arg(long)]
    pub format: String,
    /// Replications of the replayed history.
    #[arg(long, short = 'r', default_value_t = 20)]
    pub replications: u32,
    /// Report folder (default reports/<scenario>/backtest).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub fn backtest(args: BacktestArgs) -> Result<(), CliError> {
    if args.replications == 0 || args.replications > 10_000 {
        return Err(crate::error::InputError::new(
            "--replications",
            "the backtest needs 1 to 10000 replications",
        )
        .into());
    }
    let h = super::calibrate::read_history(&args.history, &args.format)?;
    let text = crate::scenario::read_source(&args.scenario)?;
    let name = crate::scenario::parse(&text, &args.scenario)?.name;
    let dir = args.out.clone().unwrap_or_else(|| {
        std::path::Path::new("reports")
            .join(crate::report::files::safe_name(&name))
            .join("backtest")
    });
    std::fs::create_dir_all(&dir).map_err(super::io(&dir))?;
    let commits = dir.join("replayed-commits.csv");
    let m = backtest::replay_model(&text, &args.scenario, &h, &commits)?;
    let b = backtest::backtest(&m, &h, args.replications);
    if crate::interrupt::requested() {
        return Err(CliError::Interrupted);
    }
    if b.observed_h.is_empty() {
        return Err(CliError::Failed(
            "no commit of the history reached production: there is no observed lead time to compare".into(),
        ));
    }
    crate::report::backtest::write(&b, &dir).map_err(CliError::Failed)?;
    print(&format!(
        "{}written to {}\n",
        crate::report::backtest::text(&b),
        dir.join("index.html").display()
    ))
}
