//! Fix convergence (STYLE.md): audit finds problems, `--fix` applies the plan, the next audit
//! has no fixable problem left, and a second fix has an empty plan and changes no file.
use crate::fake::{options, Fake};
use tw_diagnostics::Status;
use tw_host::{apply_fixes, audit, Profile};

#[test]
fn audit_fix_audit_clean_second_fix_noop() {
    let fake = Fake::hardened();
    fake.sysctl("kernel.randomize_va_space", "0");
    fake.sysctl("fs.suid_dumpable", "1");
    fake.sysctl("kernel.kptr_restrict", "0");
    fake.sysctl("net.ipv4.ip_local_reserved_ports", "");
    fake.file(
        "/etc/login.defs",
        "MAIL_DIR /var/mail\nUMASK\t022\nENCRYPT_METHOD SHA512\n",
    );
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(
        fake.path("/etc/login.defs"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    fake.file(
        "/etc/sysctl.d/60-torchward.conf",
        "# old\nvm.swappiness = 10\n",
    );
    let root = fake.root();
    let opts = options(Profile::Strict);

    let first = audit(&root, &opts);
    assert_eq!(first.fixes.len(), 5, "{:#?}", first.fixes);
    let written = apply_fixes(&root, &first.fixes).unwrap();
    assert!(written.contains(&"/etc/sysctl.d/60-torchward.conf".to_owned()));

    let second = audit(&root, &opts);
    assert!(second.fixes.is_empty(), "{:#?}", second.fixes);
    let problems: Vec<_> = second
        .findings
        .iter()
        .filter(|f| f.status.is_problem())
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
    assert_eq!(fake.read("/proc/sys/kernel/randomize_va_space"), "2\n");
    assert_eq!(
        fake.read("/proc/sys/net/ipv4/ip_local_reserved_ports"),
        "60000-60031\n"
    );
    let persisted = fake.read("/etc/sysctl.d/60-torchward.conf");
    assert!(
        persisted.contains("vm.swappiness = 10\n"),
        "other keys are kept: {persisted}"
    );
    assert!(persisted.contains("kernel.randomize_va_space = 2\n"));
    assert!(persisted.contains("net.ipv4.ip_local_reserved_ports = 60000-60031\n"));
    let defs = fake.read("/etc/login.defs");
    assert_eq!(
        defs,
        "MAIL_DIR /var/mail\nUMASK\t\t027\nENCRYPT_METHOD SHA512\n"
    );
    let mode = std::fs::metadata(fake.path("/etc/login.defs"))
        .unwrap()
        .permissions()
        .mode()
        & 0o7777;
    assert_eq!(mode, 0o644, "login.defs keeps its mode");
    let mode = std::fs::metadata(fake.path("/etc/sysctl.d/60-torchward.conf"))
        .unwrap()
        .permissions()
        .mode()
        & 0o7777;
    assert_eq!(mode, 0o640);

    // Second fix: empty plan, nothing written.
    let before = std::fs::metadata(fake.path("/etc/login.defs"))
        .unwrap()
        .modified()
        .unwrap();
    assert!(apply_fixes(&root, &second.fixes).unwrap().is_empty());
    let after = std::fs::metadata(fake.path("/etc/login.defs"))
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(before, after);
    assert_eq!(
        second
            .findings
            .iter()
            .filter(|f| f.rule == "TW201")
            .map(|f| f.status)
            .next(),
        Some(Status::Pass)
    );
}
