//! `torchward run [options] -- CMD...` (statement §3, §4, §8, §11): preflight, firewall held
//! exactly while the command runs, the command in its own process group with a parent-death
//! signal and umask 0027, INT/TERM/HUP forwarded, the rules removed however it ends. Exit
//! code: the command's (128 + N for signal N); 125 when torchward failed before the launch
//! and left nothing behind; 124 when it failed and could not remove its rules (the manual
//! commands are printed).
// Item doc comments here are clap `--help` text, where backticks would print literally.
#![allow(clippy::doc_markdown)]
use super::job::{self, JobArgs, RuleArgs};
use crate::context::Context;
use crate::exit::ExitStatus;
use crate::output;
use std::ffi::OsString;
use std::path::PathBuf;
use tw_firewall::{ApplyError, SystemExec};
use tw_launch::preflight::{Check, Preflight};
use tw_launch::{Event, Protection, RunError, RunOptions};

/// torchward failed before the launch; nothing is left behind.
pub const EXIT_NOT_LAUNCHED: u8 = 125;
/// torchward failed before the launch and its rules could not be removed.
pub const EXIT_LEFT_BEHIND: u8 = 124;

/// Arguments of `run`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  torchward run --user trainer --peer 192.168.1.2 --master-port 29510 -- torchrun ... train.py
  torchward run --allow-root --dynamic --peer 10.0.0.0/24 -- python train.py
  torchward run --coverage interface --interface eth1 --peer node2 -- torchrun ... train.py

The job options (--master-port, --rdzv-endpoint ...) describe the command; torchward does not pass
them on, and reads them from the command itself when it is torchrun (or torch_npu_run). Every socket
the job opens is reachable only from the peers (nft: the job's own cgroup); --listed-ports-only
restricts just the listed ports. Exit codes: the command's own (128+N when killed by signal N); 125 torchward failed before
the launch and left nothing behind; 124 it failed and could not remove its rules.")]
#[allow(clippy::struct_excessive_bools)] // Each bool is one on/off command-line flag.
pub struct Args {
    /// The job (ports default to its matrix).
    #[command(flatten)]
    pub job: JobArgs,
    /// The rules.
    #[command(flatten)]
    pub rules: RuleArgs,
    /// Run the command as this user (NAME, UID or UID:GID); torchward keeps root for cleanup.
    #[arg(long, value_name = "USER", help_heading = "Launch")]
    pub user: Option<String>,
    /// Allow the command to run as root (the statement advises against it).
    #[arg(long, help_heading = "Launch")]
    pub allow_root: bool,
    /// Minimum free disk under --output-dir, e.g. 10G, 512M (0: do not check).
    #[arg(long, value_name = "SIZE", default_value = "1G", value_parser = parse_size, help_heading = "Launch")]
    pub min_free_disk: u64,
    /// Minimum available memory, e.g. 4G (0: do not check).
    #[arg(long, value_name = "SIZE", default_value = "1G", value_parser = parse_size, help_heading = "Launch")]
    pub min_free_memory: u64,
    /// Directory the job writes to (checkpoints, logs), for the free-disk check.
    #[arg(long, value_name = "DIR", default_value = ".", help_heading = "Launch")]
    pub output_dir: PathBuf,
    /// Skip a preflight check on purpose: root, aslr, disk, memory, ports (repeatable).
    #[arg(long, value_name = "CHECK", value_delimiter = ',', value_parser = parse_check, help_heading = "Launch")]
    pub skip_check: Vec<Check>,
    /// Also restrict ports the command's processes open while it runs (port coverage).
    #[arg(long, help_heading = "Launch")]
    pub dynamic: bool,
    /// Restrict only the listed ports (--port, or the matrix's), not every socket the job opens.
    #[arg(long, help_heading = "Launch")]
    pub listed_ports_only: bool,
    /// Use a plain table and the state file instead of an nft owner table.
    #[arg(long, help_heading = "Launch")]
    pub no_owner_table: bool,
    /// The command and its arguments (after --).
    #[arg(
        required = true,
        last = true,
        value_name = "CMD",
        help_heading = "Command"
    )]
    pub command: Vec<OsString>,
}

/// `10G`, `512M`, `64K`, `1T` (powers of 1024) or bytes.
fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let (digits, shift) = match text.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => {
            let shift = match c.to_ascii_uppercase() {
                'K' => 10,
                'M' => 20,
                'G' => 30,
                'T' => 40,
                'B' => 0,
                _ => {
                    return Err(format!(
                        "unknown size suffix in `{text}` (use K, M, G or T)"
                    ))
                }
            };
            (text.get(..i).unwrap_or(""), shift)
        }
        _ => (text, 0),
    };
    let value: u64 = digits
        .parse()
        .map_err(|_| format!("`{text}` is not a size like 10G or 512M"))?;
    value
        .checked_shl(shift)
        .filter(|v| v >> shift == value)
        .ok_or_else(|| format!("`{text}` is too large"))
}

fn parse_check(name: &str) -> Result<Check, String> {
    Check::from_name(name)
        .ok_or_else(|| format!("unknown check `{name}` (root, aslr, disk, memory, ports)"))
}

fn euid() -> u32 {
    rustix::process::geteuid().as_raw()
}

/// Runs `run`.
pub fn run(args: &Args, ctx: &Context) -> anyhow::Result<ExitStatus> {
    // The command is usually the launch line itself (torchrun ...): read what it implies.
    let line = match job::launch_line(&args.command) {
        Ok(line) => line,
        Err(err) => match err.downcast_ref::<tw_firewall::LaunchLineError>() {
            Some(tw_firewall::LaunchLineError::NotALauncher { .. }) => None,
            _ => return Err(err),
        },
    };
    let matrix = job::matrix(&args.job, line.as_ref());
    let plan = job::plan(&args.rules, &matrix)?;
    let backend = job::backend(args.rules.backend, &SystemExec)?;
    for finding in job::plan_findings(&matrix, &plan) {
        ctx.warn(format!(
            "{} {}: {}",
            finding.rule, finding.name, finding.message
        ));
    }
    if args.listed_ports_only {
        output::note(job::coverage_note(&matrix, &plan, false));
    }
    let run_as = match &args.user {
        Some(user) => Some(tw_launch::child::resolve_user(
            user,
            std::path::Path::new("/etc/passwd"),
        )?),
        None => None,
    };
    let supervisor = std::env::current_exe().map_err(|err| {
        anyhow::anyhow!("cannot find the torchward binary to supervise the command: {err}")
    })?;
    let options = RunOptions {
        command: args.command.clone(),
        supervisor: vec![supervisor.into_os_string(), OsString::from("__supervise")],
        backend,
        owner_table: !args.no_owner_table,
        run_as,
        preflight: Preflight {
            proc_root: PathBuf::from("/proc"),
            euid: euid(),
            child_uid: run_as.map_or_else(euid, |r| r.uid),
            allow_root: args.allow_root,
            output_dir: args.output_dir.clone(),
            min_free_disk: args.min_free_disk,
            min_free_memory: args.min_free_memory,
            ports: plan.ports().to_vec(),
            skip: args.skip_check.clone(),
        },
        dynamic: args.dynamic,
        job_sockets: !args.listed_ports_only,
        state_path: args.rules.state_file.clone(),
        plan,
    };
    let mut events = |event: Event| {
        match event {
        Event::OwnerUnavailable(why) => ctx.warn(format!(
            "nft owner table unavailable ({why}); using a plain table and the state file"
        )),
        Event::Protected(Protection::OwnerTable) => output::note(
            "torchward: firewall applied (nft owner table, removed when torchward exits)",
        ),
        Event::Protected(Protection::StateFile(backend)) => {
            output::note(format!(
                "torchward: firewall applied ({}; cleanup from {} after a crash)",
                backend.as_str(),
                args.rules.state_file.display()
            ));
        }
        Event::JobSockets(path) => output::note(format!(
            "torchward: every socket the job opens is reachable only from peers (its cgroup {path})"
        )),
        Event::JobSocketsUnavailable(why) => ctx.warn(format!(
            "cannot restrict the job's sockets by cgroup ({why}); restricting the ports it opens as they appear instead (--dynamic: a port is open to everyone for about 100 ms after listen())"
        )),
        Event::Started { pid } => output::note(format!("torchward: started pid {pid}")),
        Event::Forwarded(signal) => output::note(format!("torchward: forwarded signal {signal}")),
        Event::DynamicPorts(ports) => output::note(format!(
            "torchward: restricted ports opened at run time: {}",
            tw_firewall::port::join(&ports)
        )),
        Event::DynamicFailed(why) => ctx.warn(format!(
            "could not restrict a port opened at run time: {why}"
        )),
        Event::Reapplied(why) => ctx.warn(format!(
            "the firewall rules changed while training ran ({why}); applied them again. A firewall reload (nft flush ruleset, firewall-cmd --reload) removes plain tables: prefer the owner table"
        )),
        Event::ReapplyFailed(why) => ctx.warn(format!("the firewall rules were removed while training ran and could not be applied again: {why}")),
        Event::Removed => output::note("torchward: firewall removed"),
    }
    };
    match tw_launch::run(&options, &SystemExec, &mut events) {
        Ok(done) => {
            if let Some(err) = done.cleanup {
                output::note(format!("error: could not remove torchward's rules: {err}\nremove them by hand: torchward firewall remove"));
            }
            Ok(ExitStatus::External(
                u8::try_from(done.code.clamp(0, 255)).unwrap_or(u8::MAX),
            ))
        }
        Err(err) => {
            let left = err.left_behind();
            match &err {
                RunError::Preflight(problems) => {
                    for problem in problems {
                        output::note(format!(
                            "error: preflight [{}]: {}",
                            problem.check.name(),
                            problem.message
                        ));
                    }
                    output::note("skip a check on purpose with --skip-check NAME");
                }
                RunError::Firewall(ApplyError::RollbackFailed { recovery, .. }) => {
                    output::error(&anyhow::anyhow!("{err}"));
                    for command in recovery {
                        output::note(format!("  {command}"));
                    }
                }
                _ => output::error(&anyhow::anyhow!("{err}")),
            }
            Ok(ExitStatus::External(if left {
                EXIT_LEFT_BEHIND
            } else {
                EXIT_NOT_LAUNCHED
            }))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes_parse_with_binary_suffixes() {
        assert_eq!(parse_size("10G"), Ok(10 << 30));
        assert_eq!(parse_size("512m"), Ok(512 << 20));
        assert_eq!(parse_size("0"), Ok(0));
        assert!(parse_size("1X").is_err());
        assert!(parse_size("99999999999T").is_err());
    }
}
