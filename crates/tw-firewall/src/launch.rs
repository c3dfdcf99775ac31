//! A pasted launch line (`torchrun --nnodes 2 --master-addr 10.0.0.1 ... train.py`, also
//! `torch_npu_run` and `python -m torch.distributed.run`) read the way torchrun's argparse
//! reads it (`torch/distributed/run.py`): options up to the training script, `--name value` or
//! `--name=value`, dashes and underscores alike (`--nproc_per_node`), boolean flags without a
//! value. Only the options that decide ports and peers are kept; the rest are named so the
//! caller can say they were ignored.
use crate::matrix::LaunchFlags;

/// What the line said.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LaunchLine {
    /// The launcher (`torchrun`, `torch_npu_run`, `torch.distributed.run` ...).
    pub launcher: String,
    /// The options that decide ports and peers.
    pub flags: LaunchFlags,
    /// Launcher options read and ignored (they open no port).
    pub ignored: Vec<String>,
    /// The training script (or module) and its arguments, not read.
    pub script: Vec<String>,
}

/// The words are not a launch line torchward can read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LaunchLineError {
    /// The program is not a known launcher.
    #[error("`{program}` is not torchrun, torch_npu_run or `python -m torch.distributed.run`; give the job's options as torchward flags instead")]
    NotALauncher {
        /// The first word.
        program: String,
    },
    /// An option that needs a value ends the line.
    #[error("launcher option `{option}` has no value")]
    MissingValue {
        /// The option.
        option: String,
    },
}

/// torchrun options without a value (argparse `store_true`).
const SWITCHES: [&str; 6] = [
    "standalone",
    "no-python",
    "run-path",
    "module",
    "m",
    "enable-tiered-parallel-tcpstore",
];

/// Modules run with `python -m` that are torchrun.
const MODULES: [&str; 3] = [
    "torch.distributed.run",
    "torch.distributed.launch",
    "torch_npu.distributed.run",
];

impl LaunchLine {
    /// The flags this line sets, overridden by `explicit` wherever that sets one (torchward's
    /// own flags win over the pasted line).
    pub fn merged(&self, explicit: &LaunchFlags) -> LaunchFlags {
        let pick = |own: &Option<String>, line: &Option<String>| own.clone().or(line.clone());
        let line = &self.flags;
        LaunchFlags {
            master_addr: pick(&explicit.master_addr, &line.master_addr),
            master_port: pick(&explicit.master_port, &line.master_port),
            rdzv_backend: pick(&explicit.rdzv_backend, &line.rdzv_backend),
            rdzv_endpoint: pick(&explicit.rdzv_endpoint, &line.rdzv_endpoint),
            standalone: explicit.standalone || line.standalone,
            nnodes: pick(&explicit.nnodes, &line.nnodes),
            nproc_per_node: pick(&explicit.nproc_per_node, &line.nproc_per_node),
            node_rank: pick(&explicit.node_rank, &line.node_rank),
            rdzv_id: pick(&explicit.rdzv_id, &line.rdzv_id),
            max_restarts: pick(&explicit.max_restarts, &line.max_restarts),
        }
    }
}

fn basename(word: &str) -> &str {
    word.rsplit('/').next().unwrap_or(word)
}

/// Reads a launch line; `words` starts with the program.
pub fn parse_launch_line(words: &[String]) -> Result<LaunchLine, LaunchLineError> {
    let Some((program, rest)) = words.split_first() else {
        return Err(LaunchLineError::NotALauncher {
            program: String::new(),
        });
    };
    let name = basename(program);
    let (launcher, options) = if matches!(name, "torchrun" | "torch_npu_run") {
        (name.to_owned(), rest)
    } else if name.starts_with("python") {
        match rest {
            [dash_m, module, options @ ..]
                if dash_m == "-m" && MODULES.contains(&module.as_str()) =>
            {
                (module.clone(), options)
            }
            _ => {
                return Err(LaunchLineError::NotALauncher {
                    program: words.join(" "),
                })
            }
        }
    } else {
        return Err(LaunchLineError::NotALauncher {
            program: program.clone(),
        });
    };
    let mut line = LaunchLine {
        launcher,
        ..LaunchLine::default()
    };
    let mut index = 0;
    while let Some(word) = options.get(index) {
        index += 1;
        let Some(option) = word.strip_prefix("--").or_else(|| word.strip_prefix('-')) else {
            line.script = options.get(index - 1..).unwrap_or_default().to_vec();
            break;
        };
        if option.is_empty() {
            // `--` ends the options (argparse).
            line.script = options.get(index..).unwrap_or_default().to_vec();
            break;
        }
        let (name, inline) = match option.split_once('=') {
            Some((name, value)) => (name.replace('_', "-"), Some(value.to_owned())),
            None => (option.replace('_', "-"), None),
        };
        if name == "standalone" {
            line.flags.standalone = true;
            continue;
        }
        let given = word.split('=').next().unwrap_or(word).to_owned();
        if SWITCHES.contains(&name.as_str()) {
            line.ignored.push(given);
            continue;
        }
        let value = if let Some(value) = inline {
            value
        } else {
            let Some(value) = options.get(index) else {
                return Err(LaunchLineError::MissingValue {
                    option: word.clone(),
                });
            };
            index += 1;
            value.clone()
        };
        let slot = match name.as_str() {
            "master-addr" => &mut line.flags.master_addr,
            "master-port" => &mut line.flags.master_port,
            "rdzv-backend" => &mut line.flags.rdzv_backend,
            "rdzv-endpoint" => &mut line.flags.rdzv_endpoint,
            "nnodes" => &mut line.flags.nnodes,
            "nproc-per-node" => &mut line.flags.nproc_per_node,
            "node-rank" => &mut line.flags.node_rank,
            "rdzv-id" => &mut line.flags.rdzv_id,
            "max-restarts" => &mut line.flags.max_restarts,
            _ => {
                line.ignored.push(given);
                continue;
            }
        };
        *slot = Some(value);
    }
    Ok(line)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<String> {
        line.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn the_issue_line_gives_nodes_ranks_master_and_script() {
        let line = parse_launch_line(&words(
            "torchrun --nnodes 2 --nproc-per-node 8 --master-addr 10.0.0.1 --master-port 29500 train.py --lr 0.1",
        ))
        .unwrap();
        assert_eq!(line.launcher, "torchrun");
        assert_eq!(line.flags.nnodes.as_deref(), Some("2"));
        assert_eq!(line.flags.nproc_per_node.as_deref(), Some("8"));
        assert_eq!(line.flags.master_addr.as_deref(), Some("10.0.0.1"));
        assert_eq!(line.flags.master_port.as_deref(), Some("29500"));
        assert_eq!(line.script, words("train.py --lr 0.1"));
    }

    #[test]
    fn underscores_equals_switches_and_python_m() {
        let line = parse_launch_line(&words(
            "/usr/bin/python3 -m torch.distributed.run --nproc_per_node=4 --node_rank 1 --standalone --no_python --rdzv_backend=c10d --rdzv-endpoint [fd00::1]:29400 --rdzv-id job7 --max_restarts 3 --log-dir /tmp/x -m pkg.train",
        ))
        .unwrap();
        assert_eq!(line.launcher, "torch.distributed.run");
        assert!(line.flags.standalone);
        assert_eq!(line.flags.nproc_per_node.as_deref(), Some("4"));
        assert_eq!(line.flags.node_rank.as_deref(), Some("1"));
        assert_eq!(line.flags.rdzv_backend.as_deref(), Some("c10d"));
        assert_eq!(line.flags.rdzv_endpoint.as_deref(), Some("[fd00::1]:29400"));
        assert_eq!(line.flags.rdzv_id.as_deref(), Some("job7"));
        assert_eq!(line.flags.max_restarts.as_deref(), Some("3"));
        assert_eq!(line.ignored, ["--no_python", "--log-dir", "-m"]);
        assert_eq!(line.script, words("pkg.train"));
    }

    #[test]
    fn other_programs_and_cut_lines_are_errors() {
        assert!(matches!(
            parse_launch_line(&words("python train.py")),
            Err(LaunchLineError::NotALauncher { .. })
        ));
        assert!(matches!(
            parse_launch_line(&words("bash run.sh")),
            Err(LaunchLineError::NotALauncher { .. })
        ));
        assert_eq!(
            parse_launch_line(&words("torch_npu_run --master-port")),
            Err(LaunchLineError::MissingValue {
                option: "--master-port".into()
            })
        );
        let explicit = LaunchFlags {
            master_port: Some("29510".into()),
            ..LaunchFlags::default()
        };
        let line =
            parse_launch_line(&words("torchrun --master-port 29500 --nnodes 2 t.py")).unwrap();
        let merged = line.merged(&explicit);
        assert_eq!(merged.master_port.as_deref(), Some("29510"));
        assert_eq!(merged.nnodes.as_deref(), Some("2"));
    }
}
