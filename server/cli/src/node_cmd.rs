//! `zkpay node`: run the node until SIGINT or SIGTERM, then stop gracefully.

use std::path::PathBuf;
use zkpay_cli::config::{load, FlagOverrides};
use zkpay_node::Node;

/// Arguments of `zkpay node`.
#[derive(clap::Args)]
pub struct NodeArgs {
    /// TOML configuration file (see docs/node.example.toml); `ZKPAY_*` variables and flags override it.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Where the store lives.
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// The API's address (e.g. 127.0.0.1:3030; port 0 picks a free one, printed in the log).
    #[arg(long)]
    listen: Option<std::net::SocketAddr>,
    /// The verification keys' directory (block sizes).
    #[arg(long)]
    keys_dir: Option<PathBuf>,
    /// Logs as JSON lines instead of text.
    #[arg(long)]
    log_json: bool,
}

/// Run `zkpay node`.
pub fn run(args: NodeArgs) -> Result<(), crate::CliError> {
    crate::init_logs(args.log_json);
    let flags = FlagOverrides { data_dir: args.data_dir, listen: args.listen, keys_dir: args.keys_dir };
    let config = load(args.config.as_deref(), |k| std::env::var(k).ok(), &flags)?;
    let runtime = crate::runtime()?;
    runtime.block_on(async move {
        let node = Node::spawn(config).await?;
        // The address on stdout, for scripts and tests (the logs go to stderr).
        println!("listening on http://{}", node.addr());
        // From here on stdout is /dev/null: bellman_ce prints progress lines there while an
        // in-process worker proves, and a reader that has gone (a pipe closed after the address
        // line) would make those prints panic the proving thread.
        use std::io::Write;
        let _ = std::io::stdout().flush();
        let _quiet = gag::Gag::stdout().map_err(crate::CliError::Gag)?;
        let cancel = node.cancel_token();
        tokio::spawn(async move {
            let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(e) => {
                    tracing::error!(error = %e, "cannot watch SIGTERM");
                    return;
                }
            };
            tokio::select! {
                _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT: stopping"),
                _ = term.recv() => tracing::info!("SIGTERM: stopping"),
            }
            cancel.cancel();
        });
        node.wait().await?;
        tracing::info!("stopped");
        Ok(())
    })
}
