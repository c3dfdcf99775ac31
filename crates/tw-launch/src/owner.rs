//! An nftables owner table held for the life of `torchward run` (research b10): an `nft -i`
//! child reads the one-line table definition (`flags owner`) from a pipe that only torchward
//! holds. The kernel deletes an owner table when the netlink socket that created it closes:
//! when torchward exits, however it exits (SIGKILL included), the pipe closes, nft exits and
//! the rules vanish; no other process can delete or flush the table meanwhile (EPERM; it
//! survives `nft flush ruleset`). Runtime additions (`--dynamic`) go through the same pipe,
//! because only the owner may change the table.
use std::io::Write;
use std::os::unix::process::CommandExt;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};
use tw_firewall::{nft, Exec, Firewall, FirewallError, Plan, PortRange};

/// The `nft -i` process and its input pipe.
pub struct OwnerTable {
    child: Child,
    input: Option<ChildStdin>,
}

/// The owner table could not be created (the caller falls back to a plain table).
#[derive(Debug, thiserror::Error)]
pub enum OwnerError {
    /// `nft -i` could not be started or written to.
    #[error("cannot drive `nft -i`: {0}")]
    Io(#[from] std::io::Error),
    /// The table did not appear as planned (kernel without owner tables, or refused).
    #[error("owner table not in place: {0}")]
    NotApplied(#[from] FirewallError),
    /// The table appeared without the owner flag.
    #[error("the kernel did not keep `flags owner` on table inet torchward")]
    NoOwnerFlag,
}

impl OwnerTable {
    /// Starts `nft -i`, sends the owner table, and waits (up to `timeout`) until `exec` reads
    /// it back exactly as planned and flagged `owner`.
    pub fn create(
        plan: &Plan,
        exec: &dyn Exec,
        timeout: Duration,
    ) -> Result<OwnerTable, OwnerError> {
        let mut child = Command::new("nft")
            .arg("-i")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // Its own process group: a terminal's Ctrl-C must not end the protection early.
            .process_group(0)
            .spawn()?;
        let mut owner = OwnerTable {
            input: child.stdin.take(),
            child,
        };
        owner.send(&nft::owner_line(plan))?;
        let checker = Firewall::new(exec, std::path::PathBuf::new());
        let deadline = Instant::now() + timeout;
        loop {
            match checker.verify_nft(plan) {
                Ok(()) => break,
                Err(err) if Instant::now() >= deadline => {
                    owner.release();
                    return Err(err.into());
                }
                Err(_) => std::thread::sleep(Duration::from_millis(20)),
            }
        }
        let listing = exec
            .run(&tw_firewall::Cmd::new(
                "nft",
                &["list", "table", "inet", nft::TABLE],
            ))
            .map_err(FirewallError::from)?;
        if !nft::text_has_owner(&listing.stdout) {
            owner.release();
            return Err(OwnerError::NoOwnerFlag);
        }
        Ok(owner)
    }

    fn send(&mut self, line: &str) -> std::io::Result<()> {
        match &mut self.input {
            Some(pipe) => {
                pipe.write_all(line.as_bytes())?;
                pipe.flush()
            }
            None => Err(std::io::Error::new(
                std::io::ErrorKind::BrokenPipe,
                "owner table released",
            )),
        }
    }

    /// Adds ports to the live `ports` set.
    pub fn add_ports(&mut self, ports: &[PortRange]) -> std::io::Result<()> {
        if ports.is_empty() {
            return Ok(());
        }
        self.send(&nft::add_ports_line(ports))
    }

    /// Closes the pipe and waits for nft to exit: the kernel then deletes the table.
    pub fn release(&mut self) {
        drop(self.input.take());
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            match self.child.try_wait() {
                Ok(Some(_)) | Err(_) => return,
                Ok(None) if Instant::now() >= deadline => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    return;
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            }
        }
    }
}

impl Drop for OwnerTable {
    fn drop(&mut self) {
        self.release();
    }
}
