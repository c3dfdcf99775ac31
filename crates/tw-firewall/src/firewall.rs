//! Apply, verify, remove and report, over either backend, through [`Exec`]. Invariants: only
//! `table inet torchward` or the `TORCHWARD-IN`/`TORCHWARD-IN6` chains and their INPUT jumps are
//! ever named in a command; chain policies are never changed; an apply either leaves verified
//! rules and a state file, or leaves what was there before (the tool refused the change), or
//! removes everything it added (rolled back), or says exactly which manual commands finish the
//! job (rollback failed). Never `iptables-restore --test` as a gate: it accepts invalid input
//! on the `nf_tables` backend (measured, b10); we apply, read back and compare instead.
use crate::exec::{Cmd, Exec, ExecError, Output};
use crate::iptables;
use crate::net::Family;
use crate::nft;
use crate::plan::{Backend, Plan};
use crate::state::{State, StateError};
use std::path::{Path, PathBuf};

/// A firewall operation failed.
#[derive(Debug, thiserror::Error)]
pub enum FirewallError {
    /// A tool could not be started.
    #[error(transparent)]
    Exec(#[from] ExecError),
    /// A tool ran and failed.
    #[error("`{command}` failed (exit {code}): {stderr}", code = code.map_or_else(|| "by signal".to_owned(), |c| c.to_string()), stderr = stderr.trim())]
    Failed {
        /// The command line.
        command: String,
        /// Its exit code.
        code: Option<i32>,
        /// Its standard error.
        stderr: String,
    },
    /// The rules read back do not match the plan.
    #[error("{backend} rules read back differ from the plan: {}", differences.join("; "))]
    Verify {
        /// Backend.
        backend: &'static str,
        /// What differs.
        differences: Vec<String>,
    },
    /// The state file could not be read or written.
    #[error(transparent)]
    State(#[from] StateError),
    /// Neither nft nor iptables is installed.
    #[error("neither nft nor iptables is installed")]
    NoBackend,
    /// A per-job table was asked of the iptables backend, whose chains are shared.
    #[error("table `{table}` needs the nft backend: torchward's iptables chains are one per host")]
    NamedTableNeedsNft {
        /// The table name.
        table: String,
    },
}

/// An apply failed; the variants say what is left on the host.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// Nothing was changed: the tool refused the change (whatever was there before remains).
    #[error("nothing changed: {cause}")]
    NotApplied {
        /// Why.
        cause: FirewallError,
    },
    /// Rules were changed, then the apply failed and everything torchward added was removed.
    #[error("apply failed and was rolled back cleanly (torchward's rules are gone): {cause}")]
    RolledBack {
        /// Why the apply failed.
        cause: FirewallError,
    },
    /// The apply failed and so did the rollback: run `recovery` by hand.
    #[error("apply failed ({cause}) and the rollback failed too ({rollback}); run by hand: {}", recovery.join(" && "))]
    RollbackFailed {
        /// Why the apply failed.
        cause: Box<FirewallError>,
        /// Why the rollback failed.
        rollback: Box<FirewallError>,
        /// Commands that remove torchward's objects.
        recovery: Vec<String>,
    },
}

/// What `status` found for our nft table.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NftStatus {
    /// Owner table (held by a `run` process).
    pub owner: bool,
    /// Packets and bytes dropped or rejected.
    pub dropped: Option<(u64, u64)>,
    /// Differences from the state file's plan (empty: matches; `None`: no state to compare).
    pub differences: Option<Vec<String>>,
}

/// What `status` found for one iptables family.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ChainStatus {
    /// Family.
    pub family: Family,
    /// Chain name.
    pub chain: &'static str,
    /// Whether INPUT jumps to the chain at all (a chain without its jump filters nothing).
    pub jump_present: bool,
    /// Whether the jump is the first rule of INPUT.
    pub jump_first: bool,
    /// Packets and bytes dropped or rejected.
    pub dropped: (u64, u64),
}

/// Everything `status` reports.
#[derive(Debug, Default, serde::Serialize)]
pub struct FirewallStatus {
    /// State file content, if any.
    pub state: Option<State>,
    /// State file problem, if it could not be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_error: Option<String>,
    /// Our nft table, if present.
    pub nft: Option<NftStatus>,
    /// Our iptables chains that are present.
    pub iptables: Vec<ChainStatus>,
    /// Whether the `torchward run` process recorded in the state file (`pid`) still runs:
    /// `None` without a recorded process.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holder_alive: Option<bool>,
}

impl FirewallStatus {
    /// Whether any torchward rule is present.
    pub fn active(&self) -> bool {
        self.nft.is_some() || !self.iptables.is_empty()
    }
}

/// Applies and removes torchward's rules on one host (or network namespace).
pub struct Firewall<'e> {
    exec: &'e dyn Exec,
    state_path: PathBuf,
    /// The nft table this firewall manages (`torchward` unless [`Firewall::with_nft_table`]).
    nft_table: String,
}

fn check(out: Output, cmd: &Cmd) -> Result<Output, FirewallError> {
    if out.success() {
        Ok(out)
    } else {
        Err(FirewallError::Failed {
            command: cmd.display(),
            code: out.code,
            stderr: out.stderr,
        })
    }
}

impl<'e> Firewall<'e> {
    /// A firewall driving `exec`, recording state at `state_path`.
    pub fn new(exec: &'e dyn Exec, state_path: impl Into<PathBuf>) -> Self {
        Firewall {
            exec,
            state_path: state_path.into(),
            nft_table: nft::TABLE.to_owned(),
        }
    }

    /// The same firewall managing the nft table `table` instead of `torchward` (a per-job
    /// table, e.g. `torchward_job_1234` for a Slurm job), so concurrent jobs never touch each
    /// other's rules. `None` when the name is not one [`nft::valid_table_name`] accepts.
    #[must_use]
    pub fn with_nft_table(self, table: &str) -> Option<Self> {
        nft::valid_table_name(table).then(|| Firewall {
            nft_table: table.to_owned(),
            ..self
        })
    }

    /// The nft table this firewall manages.
    pub fn nft_table(&self) -> &str {
        &self.nft_table
    }

    fn nft_list(&self, json: bool) -> Cmd {
        let table = self.nft_table.as_str();
        if json {
            Cmd::new("nft", &["-j", "list", "table", "inet", table])
        } else {
            Cmd::new("nft", &["list", "table", "inet", table])
        }
    }

    /// Where the state file lives.
    pub fn state_path(&self) -> &Path {
        &self.state_path
    }

    fn run(&self, cmd: &Cmd) -> Result<Output, FirewallError> {
        let out = self.exec.run(cmd)?;
        check(out, cmd)
    }

    fn available(&self, program: &str, version_flag: &str) -> bool {
        self.exec
            .run(&Cmd::new(program, &[version_flag]))
            .is_ok_and(|out| out.success())
    }

    /// The default backend: nft when installed, else iptables.
    pub fn detect_backend(&self) -> Result<Backend, FirewallError> {
        if self.available("nft", "--version") {
            Ok(Backend::Nft)
        } else if self.available("iptables", "-V") {
            Ok(Backend::Iptables)
        } else {
            Err(FirewallError::NoBackend)
        }
    }

    /// Applies `plan`, verifies it, and records the state file. Objects of the other backend
    /// left by an earlier (crashed) apply are removed first.
    pub fn apply(
        &self,
        plan: &Plan,
        backend: Backend,
        pid: Option<u32>,
    ) -> Result<State, ApplyError> {
        if backend == Backend::Iptables && self.nft_table != nft::TABLE {
            return Err(ApplyError::NotApplied {
                cause: FirewallError::NamedTableNeedsNft {
                    table: self.nft_table.clone(),
                },
            });
        }
        let previous = State::read(&self.state_path).ok().flatten();
        if let Some(old) = previous.filter(|old| old.backend != backend) {
            self.remove_backend(old.backend)
                .map_err(|cause| ApplyError::NotApplied { cause })?;
        }
        match backend {
            Backend::Nft => self.apply_nft(plan)?,
            Backend::Iptables => self.apply_iptables(plan)?,
        }
        let mut state = State::new(backend, plan, false, pid);
        if backend == Backend::Nft {
            state.objects = vec![format!("nft table inet {}", self.nft_table)];
        }
        if let Err(err) = state.write(&self.state_path) {
            return Err(self.roll_back(backend, err.into()));
        }
        Ok(state)
    }

    fn apply_nft(&self, plan: &Plan) -> Result<(), ApplyError> {
        let cmd =
            Cmd::new("nft", &["-f", "-"]).with_stdin(nft::apply_script_in(plan, &self.nft_table));
        // nft applies the whole file in one transaction: a failure here changed nothing.
        self.run(&cmd)
            .map_err(|cause| ApplyError::NotApplied { cause })?;
        self.verify_nft(plan)
            .map_err(|cause| self.roll_back(Backend::Nft, cause))
    }

    /// Reads our nft table back and compares it with `plan`.
    pub fn verify_nft(&self, plan: &Plan) -> Result<(), FirewallError> {
        let listing = self.run(&self.nft_list(true))?;
        let differences = match nft::parse_listing_in(&listing.stdout, &self.nft_table) {
            Some(observed) => nft::differences(plan, &observed),
            None => vec![format!(
                "`nft -j list table inet {}` printed nothing this version understands",
                self.nft_table
            )],
        };
        if differences.is_empty() {
            Ok(())
        } else {
            Err(FirewallError::Verify {
                backend: "nft",
                differences,
            })
        }
    }

    /// One commit per family puts the chain and its jump in place together, so a crash
    /// (SIGKILL) between commands can never leave a chain without its jump; a crash between
    /// the two families leaves IPv4 without IPv6, which `status` reports and `remove` cleans.
    fn apply_iptables(&self, plan: &Plan) -> Result<(), ApplyError> {
        for (index, family) in [Family::V4, Family::V6].into_iter().enumerate() {
            let jumps = self
                .run(&iptables::command(family, &["-S", "INPUT"]))
                .map(|out| iptables::jumps_in(&out.stdout, family));
            let jump = match jumps {
                Ok((1, true)) => iptables::Jump::Keep,
                Ok((present, _)) => iptables::Jump::First { present },
                Err(cause) if index == 0 => return Err(ApplyError::NotApplied { cause }),
                Err(cause) => return Err(self.roll_back(Backend::Iptables, cause)),
            };
            let restore =
                iptables::restore_command(family, iptables::restore_script(plan, family, jump));
            if let Err(cause) = self.run(&restore) {
                // The restore commit is atomic; if this was the first family nothing changed.
                return Err(if index == 0 {
                    ApplyError::NotApplied { cause }
                } else {
                    self.roll_back(Backend::Iptables, cause)
                });
            }
            if let Err(cause) = self.verify_family(plan, family) {
                return Err(self.roll_back(Backend::Iptables, cause));
            }
        }
        Ok(())
    }

    /// Replaces the rules inside torchward's iptables chains with `plan`'s, one atomic
    /// `iptables-restore --noflush` per family, leaving the INPUT jumps alone and rolling
    /// nothing back: a family that fails keeps its previous, still protective, rules. Used to
    /// add the ports `run --dynamic` finds while the job runs.
    pub fn update_iptables_chains(&self, plan: &Plan) -> Result<(), FirewallError> {
        for family in [Family::V4, Family::V6] {
            self.run(&iptables::restore_command(
                family,
                iptables::restore_script(plan, family, iptables::Jump::Keep),
            ))?;
            self.verify_chain(plan, family)?;
        }
        Ok(())
    }

    fn jump_is_first(&self, family: Family) -> Result<bool, FirewallError> {
        let listing = self.run(&iptables::command(family, &["-S", "INPUT"]))?;
        Ok(iptables::jumps_in(&listing.stdout, family).1)
    }

    fn jump_present(&self, family: Family) -> Result<bool, FirewallError> {
        let [j, chain] = iptables::jump(family);
        let out = self
            .exec
            .run(&iptables::command(family, &["-C", "INPUT", j, chain]))?;
        Ok(out.success())
    }

    /// Reads both chains back and checks their jumps are first in INPUT.
    pub fn verify_iptables(&self, plan: &Plan) -> Result<(), FirewallError> {
        for family in [Family::V4, Family::V6] {
            self.verify_family(plan, family)?;
        }
        Ok(())
    }

    fn verify_family(&self, plan: &Plan, family: Family) -> Result<(), FirewallError> {
        if !self.jump_is_first(family)? {
            return Err(FirewallError::Verify {
                backend: iptables::tool(family),
                differences: vec![format!(
                    "the jump to {} is not the first rule of INPUT",
                    iptables::chain(family)
                )],
            });
        }
        self.verify_chain(plan, family)
    }

    fn verify_chain(&self, plan: &Plan, family: Family) -> Result<(), FirewallError> {
        let chain = iptables::chain(family);
        let listing = self.run(&iptables::command(family, &["-S", chain]))?;
        let got: Vec<&str> = listing
            .stdout
            .lines()
            .filter(|l| !l.starts_with("-N "))
            .collect();
        let want = iptables::rules(plan, family);
        if got == want.iter().map(String::as_str).collect::<Vec<_>>() {
            Ok(())
        } else {
            Err(FirewallError::Verify {
                backend: iptables::tool(family),
                differences: vec![format!(
                    "chain {chain} holds [{}], the plan has [{}]",
                    got.join(" | "),
                    want.join(" | ")
                )],
            })
        }
    }

    fn roll_back(&self, backend: Backend, cause: FirewallError) -> ApplyError {
        match self.remove_backend(backend) {
            Ok(()) => {
                let _ = State::delete(&self.state_path);
                ApplyError::RolledBack { cause }
            }
            Err(rollback) => ApplyError::RollbackFailed {
                cause: Box::new(cause),
                rollback: Box::new(rollback),
                recovery: match backend {
                    Backend::Nft => vec![format!("nft delete table inet {}", self.nft_table)],
                    Backend::Iptables => recovery_commands(backend),
                },
            },
        }
    }

    /// Removes our objects of one backend and checks they are gone; absent objects are fine.
    pub fn remove_backend(&self, backend: Backend) -> Result<(), FirewallError> {
        match backend {
            Backend::Nft => {
                if self.nft_table_present()? {
                    self.run(
                        &Cmd::new("nft", &["-f", "-"])
                            .with_stdin(nft::remove_script_in(&self.nft_table)),
                    )?;
                    if self.nft_table_present()? {
                        return Err(FirewallError::Verify {
                            backend: "nft",
                            differences: vec![format!(
                                "table inet {} is still present after delete",
                                self.nft_table
                            )],
                        });
                    }
                }
                Ok(())
            }
            Backend::Iptables => {
                for family in [Family::V4, Family::V6] {
                    self.remove_chain(family)?;
                }
                Ok(())
            }
        }
    }

    fn nft_table_present(&self) -> Result<bool, FirewallError> {
        Ok(self.exec.run(&self.nft_list(false))?.success())
    }

    fn chain_present(&self, family: Family) -> Result<bool, FirewallError> {
        Ok(self
            .exec
            .run(&iptables::command(family, &["-S", iptables::chain(family)]))?
            .success())
    }

    fn remove_chain(&self, family: Family) -> Result<(), FirewallError> {
        let tool = iptables::tool(family);
        let [j, chain] = iptables::jump(family);
        // `-D` of a missing rule is an error, so check before each delete (b10).
        for _ in 0..16 {
            if !self.jump_present(family)? {
                break;
            }
            self.run(&iptables::command(family, &["-D", "INPUT", j, chain]))?;
        }
        if self.chain_present(family)? {
            self.run(&iptables::command(family, &["-F", chain]))?;
            self.run(&iptables::command(family, &["-X", chain]))?;
        }
        if self.jump_present(family)? || self.chain_present(family)? {
            return Err(FirewallError::Verify {
                backend: tool,
                differences: vec![format!(
                    "{chain} or its INPUT jump is still present after removal"
                )],
            });
        }
        Ok(())
    }

    /// Removes torchward's rules of every installed backend and the state file. Returns the
    /// backends whose objects were present.
    pub fn remove(&self) -> Result<Vec<Backend>, FirewallError> {
        let mut removed = Vec::new();
        if self.available("nft", "--version") && self.nft_table_present()? {
            self.remove_backend(Backend::Nft)?;
            removed.push(Backend::Nft);
        }
        if self.available("iptables", "-V") {
            let present = [Family::V4, Family::V6]
                .into_iter()
                .map(|f| Ok(self.chain_present(f)? || self.jump_present(f)?))
                .collect::<Result<Vec<bool>, FirewallError>>()?;
            if present.contains(&true) {
                self.remove_backend(Backend::Iptables)?;
                removed.push(Backend::Iptables);
            }
        }
        State::delete(&self.state_path)?;
        Ok(removed)
    }

    /// What is applied now, with drop counters, compared with the state file.
    pub fn status(&self) -> Result<FirewallStatus, FirewallError> {
        let mut status = FirewallStatus::default();
        match State::read(&self.state_path) {
            Ok(state) => status.state = state,
            Err(err) => status.state_error = Some(err.to_string()),
        }
        status.holder_alive = status
            .state
            .as_ref()
            .and_then(|s| s.pid.map(|pid| (pid, s.applied_at)))
            .map(|(pid, since)| holder_alive(Path::new("/proc"), pid, since));
        if self.available("nft", "--version") {
            let out = self.exec.run(&self.nft_list(true))?;
            if out.success() {
                let observed = nft::parse_listing_in(&out.stdout, &self.nft_table);
                let plan = status
                    .state
                    .as_ref()
                    .filter(|s| s.backend == Backend::Nft)
                    .map(|s| &s.plan);
                let text = self.exec.run(&self.nft_list(false))?;
                status.nft = Some(NftStatus {
                    owner: nft::text_has_owner(&text.stdout),
                    dropped: observed.as_ref().and_then(|o| o.dropped),
                    differences: plan.map(|plan| match &observed {
                        Some(o) => nft::differences(plan, o),
                        None => vec!["listing not understood".to_owned()],
                    }),
                });
            }
        }
        if self.available("iptables", "-V") {
            for family in [Family::V4, Family::V6] {
                if !self.chain_present(family)? {
                    continue;
                }
                let chain = iptables::chain(family);
                let listing =
                    self.run(&iptables::command(family, &["-L", chain, "-n", "-v", "-x"]))?;
                status.iptables.push(ChainStatus {
                    family,
                    chain,
                    jump_present: self.jump_present(family)?,
                    jump_first: self.jump_is_first(family)?,
                    dropped: iptables::parse_drop_counters(&listing.stdout),
                });
            }
        }
        Ok(status)
    }
}

/// Whether process `pid` (under the proc root `proc`) is alive and started no later than
/// `since` (seconds since the epoch; the time the rules were applied): a zombie does not
/// count, nor does a recycled PID whose process started afterwards. Start times come from
/// `/proc/PID/stat` field 22 (clock ticks after boot, `USER_HZ` = 100 for `/proc`, proc(5))
/// and `btime` in `/proc/stat`.
pub fn holder_alive(proc: &Path, pid: u32, since: u64) -> bool {
    let Ok(stat) =
        tw_fs::read_to_string_bounded(proc.join(pid.to_string()).join("stat"), 64 * 1024)
    else {
        return false;
    };
    let Some((_, rest)) = stat.rsplit_once(')') else {
        return false;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // `rest` starts at field 3 (state), so field 22 (starttime) is index 19.
    if fields
        .first()
        .is_some_and(|state| matches!(*state, "Z" | "X"))
    {
        return false;
    }
    let boot = tw_fs::read_to_string_bounded(proc.join("stat"), 1024 * 1024)
        .ok()
        .and_then(|text| {
            text.lines()
                .find_map(|l| l.strip_prefix("btime "))
                .and_then(|v| v.trim().parse::<u64>().ok())
        });
    let started = fields
        .get(19)
        .and_then(|ticks| ticks.parse::<u64>().ok())
        .zip(boot)
        .map(|(ticks, boot)| boot + ticks / 100);
    // Unknown start time: trust the PID (the common case is right, and dead is not claimed).
    started.is_none_or(|started| started <= since.saturating_add(1))
}

/// Commands that remove torchward's objects of `backend` by hand.
pub fn recovery_commands(backend: Backend) -> Vec<String> {
    match backend {
        Backend::Nft => vec![format!("nft delete table inet {}", nft::TABLE)],
        Backend::Iptables => [Family::V4, Family::V6]
            .into_iter()
            .flat_map(iptables::recovery_commands)
            .collect(),
    }
}
