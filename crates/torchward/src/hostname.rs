//! The name of the host a report was made on, recorded in every report (`Report::host`) so
//! that reports gathered from a fleet say where each came from (`torchward report merge`).
use std::path::Path;

/// The environment variable that overrides the recorded name: inventory names (Ansible's
/// `inventory_hostname`), node names of a scheduler, or a pod's node in Kubernetes, where the
/// kernel's host name is a container's.
pub const OVERRIDE_VAR: &str = "TORCHWARD_HOST_NAME";

/// The host name to record: `TORCHWARD_HOST_NAME` when set and not empty, else the kernel's
/// (`/proc/sys/kernel/hostname`, the UTS name), else none.
pub fn current() -> Option<String> {
    if let Some(name) = std::env::var_os(OVERRIDE_VAR) {
        let name = name.to_string_lossy().trim().to_owned();
        if !name.is_empty() {
            return Some(name);
        }
    }
    kernel(Path::new("/proc/sys/kernel/hostname"))
}

/// The first line of the kernel's host name file, if readable and not empty.
fn kernel(path: &Path) -> Option<String> {
    let text = tw_fs::read_bounded(path, 4096).ok()?;
    let name = String::from_utf8_lossy(&text).trim().to_owned();
    (!name.is_empty()).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::kernel;
    use std::path::Path;

    #[test]
    fn kernel_name_is_trimmed_and_empty_is_none() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("hostname");
        std::fs::write(&path, "node-07\n").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(kernel(&path).as_deref(), Some("node-07"));
        std::fs::write(&path, "\n").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(kernel(&path), None);
        assert_eq!(kernel(Path::new("/nonexistent/hostname")), None);
    }
}
