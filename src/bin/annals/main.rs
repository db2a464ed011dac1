// PROVISIONAL until the clap CLI lands: `annals` runs the shell on ./annals.db.
mod repl;

fn main() {
    let db = std::env::var_os("ANNALS_DB").map_or_else(|| "annals.db".into(), Into::into);
    std::process::exit(repl::run(repl::ReplOptions {
        db,
        format: None,
        timer: false,
        quiet: false,
        params: Vec::new(),
        wait: None,
        timeout: None,
    }));
}
