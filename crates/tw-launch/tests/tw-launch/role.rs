//! The launcher role: when `TW_LAUNCH_ROLE` is set, this ignored test runs `tw_launch::run`
//! with the parameters from the environment, prints its events, and exits with the code
//! `torchward run` would (child's code, 125 before launch, 124 when something is left). The
//! supervisor role is what `torchward __supervise` runs: the launcher role starts it.
use std::ffi::OsString;
use std::io::Write;
use tw_firewall::{
    resolve_peer, Action, Backend, Coverage, Plan, PlanInput, PortRange, SystemExec,
};
use tw_launch::preflight::Preflight;
use tw_launch::{run, Event, RunOptions};

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_default()
}

#[test]
#[ignore = "re-executed inside a network namespace by the run_netns tests"]
fn run_role() {
    if std::env::var_os("TW_LAUNCH_ROLE").is_none() {
        println!("SKIP run_role: only meaningful when re-executed by run_netns");
        return;
    }
    // libtest printed "test role::run_role ... " without a newline: start on a fresh line.
    println!();
    let port: u16 = var("TW_LAUNCH_PORT").parse().unwrap();
    let plan = Plan::new(PlanInput {
        ports: vec![PortRange::single(port)],
        peers: vec![
            resolve_peer(super::netns::PEER4).unwrap(),
            resolve_peer(super::netns::PEER6).unwrap(),
        ],
        interface: None,
        coverage: Coverage::Ports,
        action: Action::Drop,
        keep_open: vec![],
    })
    .unwrap();
    let exe = std::env::current_exe().unwrap();
    let options = RunOptions {
        // This test binary again, running `supervise_role`; libtest takes the request after
        // `--` as extra (non-matching) filters.
        supervisor: [
            exe.as_os_str(),
            "--ignored".as_ref(),
            "--exact".as_ref(),
            "role::supervise_role".as_ref(),
            "--nocapture".as_ref(),
            "--test-threads=1".as_ref(),
            "--".as_ref(),
        ]
        .iter()
        .map(|s| s.to_os_string())
        .collect(),
        command: vec![
            OsString::from("sh"),
            OsString::from("-c"),
            OsString::from(var("TW_LAUNCH_CMD")),
        ],
        plan,
        backend: if var("TW_LAUNCH_BACKEND") == "iptables" {
            Backend::Iptables
        } else {
            Backend::Nft
        },
        owner_table: var("TW_LAUNCH_OWNER") != "0",
        run_as: std::env::var("TW_LAUNCH_USER").ok().map(|u| {
            tw_launch::child::resolve_user(&u, std::path::Path::new("/etc/passwd")).unwrap()
        }),
        preflight: Preflight {
            proc_root: "/proc".into(),
            euid: 0,
            child_uid: 0,
            allow_root: true,
            output_dir: "/".into(),
            min_free_disk: 0,
            min_free_memory: 0,
            ports: vec![PortRange::single(port)],
            skip: vec![tw_launch::preflight::Check::Aslr],
        },
        dynamic: var("TW_LAUNCH_DYNAMIC") == "1",
        job_sockets: var("TW_LAUNCH_JOB_SOCKETS") == "1",
        state_path: var("TW_LAUNCH_STATE").into(),
    };
    let mut print = |event: Event| {
        let line = match event {
            Event::Started { pid } => format!("started {pid}"),
            Event::DynamicPorts(ports) => format!("dynamic {}", tw_firewall::port::join(&ports)),
            other => format!("event {other:?}"),
        };
        println!("{line}");
        let _ = std::io::stdout().flush();
    };
    let code = match run(&options, &SystemExec, &mut print) {
        Ok(done) => {
            println!("cleanup {:?}", done.cleanup.map(|e| e.to_string()));
            done.code
        }
        Err(err) => {
            println!("error {err}");
            if err.left_behind() {
                124
            } else {
                125
            }
        }
    };
    let _ = std::io::stdout().flush();
    std::process::exit(code);
}

#[test]
#[ignore = "re-executed as the supervisor by run_role"]
fn supervise_role() {
    // The request follows the first `--` of this process's arguments.
    let args: Vec<OsString> = std::env::args_os().collect();
    let Some(split) = args.iter().position(|a| a == "--") else {
        println!("SKIP supervise_role: only meaningful when started by run_role");
        return;
    };
    let request = tw_launch::supervisor::Request::from_args(&args[split + 1..]).unwrap();
    let code = tw_launch::supervisor::supervise(&request).unwrap_or_else(|err| {
        println!("refused {err}");
        2
    });
    let _ = std::io::stdout().flush();
    std::process::exit(code);
}
