//! A reviewed JSON snapshot of the findings for a typical unhardened training host (the state
//! host-hardening.md measured here: umask 0022, core soft 0 / hard unlimited, core_pattern
//! `core`, ephemeral range over the HCCL ports, torchrun on `[::]:29500`).
use crate::fake::{options, Fake, Proc, V6_ANY};
use tw_host::{audit, Profile};

#[test]
fn typical_host_snapshot() {
    let mut fake = Fake::hardened();
    fake.process_self(&Proc {
        pid: 4000,
        uid: 0,
        caps: 0x1ff_ffff_ffff,
        umask: 0o022,
        core: ("0", "unlimited"),
        ..Proc::default()
    });
    fake.process(&Proc {
        pid: 812,
        uid: 0,
        umask: 0o022,
        core: ("0", "unlimited"),
        cmdline: &[
            "/usr/bin/python3",
            "-m",
            "torch.distributed.run",
            "train.py",
        ],
        ..Proc::default()
    });
    fake.sysctl("kernel.core_pattern", "core");
    fake.sysctl("net.ipv4.ip_local_reserved_ports", "");
    fake.sysctl("kernel.kptr_restrict", "0");
    fake.file("/etc/login.defs", "UMASK\t\t022\n");
    fake.listen(true, V6_ANY, 29500, 0, 31337);
    fake.socket_fd(812, 9, 31337);
    let mut opts = options(Profile::Baseline);
    opts.all_processes = true;
    let result = audit(&fake.root(), &opts);
    insta::assert_json_snapshot!(result.findings);
    let plan: Vec<String> = result.fixes.iter().map(ToString::to_string).collect();
    insta::assert_json_snapshot!(plan);
}
