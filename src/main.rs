//! The carmine binary: `carmine [config-file] [--directive value ...]`, like redis-server.

use clap::Parser;

/// A Redis-compatible in-memory server.
#[derive(Parser)]
#[command(
    name = "carmine",
    version = concat!(env!("CARGO_PKG_VERSION"), " (Redis 7.0.15 compatible)"),
    about = "A Redis-compatible in-memory server",
    override_usage = "carmine [/path/to/redis.conf] [--directive value ...]\n       carmine --port 7777\n       carmine /etc/redis/6379.conf --loglevel verbose",
    disable_version_flag = true
)]
struct Cli {
    /// Print the version (`-v`, as redis-server).
    #[arg(short = 'v', long = "version", action = clap::ArgAction::Version)]
    version: Option<bool>,

    /// An optional config file ("-" reads it from stdin), then `--directive value` options.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
}

fn main() {
    let cli = Cli::parse();
    let config_file = cli.args.first().filter(|a| !a.starts_with("--")).cloned();
    let config = match carmine::config::from_command_line(&cli.args) {
        Ok(c) => c,
        Err(e @ carmine::config::ConfigError::CantOpen { .. }) => {
            // Redis logs this one as a warning line rather than the fatal block.
            let now = carmine::server::unix_ms();
            let ts = carmine::server::log::timestamp(now);
            println!("{}:C {} # {e}", std::process::id(), ts);
            std::process::exit(1);
        }
        Err(e) => {
            eprint!("{e}");
            std::process::exit(1);
        }
    };
    std::process::exit(carmine::server::run(config, config_file));
}
