//! Pickle-machine throughput (DESIGN.md §5: at least 300 MB/s per core): synthesises a state-dict
//! pickle shaped like torch.save's `data.pkl` (protocol 2, memoised like `CPython`'s pickler,
//! SETITEMS batches of 1,000) of at least 100 MB and reports MB/s for parse and for
//! parse + extract on one thread.
//!
//! Run: `cargo bench -p tw-pickle --bench throughput` (release profile). Optional argument:
//! target size in MB (default 128).
// A benchmark reports on stdout; it is not library code.
#![allow(
    clippy::print_stdout,
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation
)]

use std::time::Instant;

use tw_pickle::{parse, torch, ParseOptions, Profile};

/// The allocator the torchward binary uses (crates/torchward/src/main.rs), so the numbers are
/// the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Writes opcodes the way `CPython`'s `_Pickler` does for protocol 2.
struct Writer {
    out: Vec<u8>,
    memo: u32,
}

impl Writer {
    fn put(&mut self) {
        if self.memo < 256 {
            self.out.extend_from_slice(&[b'q', self.memo as u8]);
        } else {
            self.out.push(b'r');
            self.out.extend_from_slice(&self.memo.to_le_bytes());
        }
        self.memo += 1;
    }

    fn get(&mut self, index: u32) {
        if index < 256 {
            self.out.extend_from_slice(&[b'h', index as u8]);
        } else {
            self.out.push(b'j');
            self.out.extend_from_slice(&index.to_le_bytes());
        }
    }

    fn text(&mut self, s: &str) -> u32 {
        self.out.push(b'X');
        self.out.extend_from_slice(&(s.len() as u32).to_le_bytes());
        self.out.extend_from_slice(s.as_bytes());
        self.put();
        self.memo - 1
    }

    fn global(&mut self, module: &str, name: &str) -> u32 {
        self.out.push(b'c');
        self.out.extend_from_slice(module.as_bytes());
        self.out.push(b'\n');
        self.out.extend_from_slice(name.as_bytes());
        self.out.push(b'\n');
        self.put();
        self.memo - 1
    }

    fn int(&mut self, v: u32) {
        if v < 256 {
            self.out.extend_from_slice(&[b'K', v as u8]);
        } else if v < 65536 {
            self.out.push(b'M');
            self.out.extend_from_slice(&(v as u16).to_le_bytes());
        } else {
            self.out.push(b'J');
            self.out.extend_from_slice(&v.to_le_bytes());
        }
    }

    fn int_tuple(&mut self, values: &[u32]) {
        match values.len() {
            0 => self.out.push(b')'),
            1..=3 => {
                for v in values {
                    self.int(*v);
                }
                self.out.push([0x85, 0x86, 0x87][values.len() - 1]);
                self.put();
            }
            _ => {
                self.out.push(b'(');
                for v in values {
                    self.int(*v);
                }
                self.out.push(b't');
                self.put();
            }
        }
    }
}

/// Memo indices of values every entry shares after their first use.
#[derive(Default)]
struct Shared {
    rebuild: Option<u32>,
    storage: Option<u32>,
    class: Option<u32>,
    cpu: Option<u32>,
    ordered: Option<u32>,
}

fn shared(w: &mut Writer, slot: Option<u32>, make: impl FnOnce(&mut Writer) -> u32) -> u32 {
    if let Some(index) = slot {
        w.get(index);
        index
    } else {
        make(w)
    }
}

fn tensor(w: &mut Writer, s: &mut Shared, key: usize, shape: &[u32]) {
    s.rebuild = Some(shared(w, s.rebuild, |w| {
        w.global("torch._utils", "_rebuild_tensor_v2")
    }));
    w.out.extend_from_slice(b"((");
    s.storage = Some(shared(w, s.storage, |w| w.text("storage")));
    s.class = Some(shared(w, s.class, |w| w.global("torch", "BFloat16Storage")));
    w.text(&key.to_string());
    s.cpu = Some(shared(w, s.cpu, |w| w.text("cpu")));
    let numel: u32 = shape.iter().product();
    w.int(numel);
    w.out.push(b't');
    w.put();
    w.out.push(b'Q');
    w.int(0);
    w.int_tuple(shape);
    let mut stride = vec![1u32; shape.len()];
    for i in (0..shape.len().saturating_sub(1)).rev() {
        stride[i] = stride[i + 1] * shape[i + 1];
    }
    w.int_tuple(&stride);
    w.out.push(0x89);
    s.ordered = Some(shared(w, s.ordered, |w| {
        w.global("collections", "OrderedDict")
    }));
    w.out.extend_from_slice(b")R");
    w.put();
    w.out.push(b't');
    w.put();
    w.out.push(b'R');
    w.put();
}

fn state_dict(target_bytes: usize) -> (Vec<u8>, usize) {
    let mut w = Writer {
        out: Vec::with_capacity(target_bytes + 1_000_000),
        memo: 0,
    };
    let mut s = Shared::default();
    w.out.extend_from_slice(&[0x80, 2]);
    s.ordered = Some(w.global("collections", "OrderedDict"));
    w.out.extend_from_slice(b")R");
    w.put();
    let parts = [
        // Small layers: a 100 MB pickle has about a million tensors, and the total element
        // count must stay within the default limit.
        ("self_attn.q_proj.weight", &[256u32, 256][..]),
        ("self_attn.k_proj.weight", &[64, 256]),
        ("self_attn.v_proj.weight", &[64, 256]),
        ("self_attn.o_proj.weight", &[256, 256]),
        ("mlp.gate_proj.weight", &[896, 256]),
        ("mlp.up_proj.weight", &[896, 256]),
        ("mlp.down_proj.weight", &[256, 896]),
        ("input_layernorm.weight", &[256]),
        ("post_attention_layernorm.weight", &[256]),
    ];
    let mut count = 0;
    let mut in_batch = 0;
    'outer: for layer in 0.. {
        for (name, shape) in parts {
            if in_batch == 0 {
                w.out.push(b'(');
            }
            w.text(&format!("model.layers.{layer}.{name}"));
            tensor(&mut w, &mut s, count, shape);
            count += 1;
            in_batch += 1;
            if in_batch == 1000 {
                w.out.push(b'u');
                in_batch = 0;
            }
            if w.out.len() >= target_bytes {
                break 'outer;
            }
        }
    }
    if in_batch > 0 {
        w.out.push(b'u');
    }
    w.out.push(b'.');
    (w.out, count)
}

/// CPU time of this thread in seconds (Linux `/proc/thread-self/schedstat`, first field in ns),
/// so that a loaded machine does not distort the per-core figure; `None` elsewhere.
fn thread_cpu() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: f64 = text.split_whitespace().next()?.parse().ok()?;
    Some(ns / 1e9)
}

/// Best wall-clock and best CPU seconds over `runs` runs.
fn best_of<T>(runs: usize, mut f: impl FnMut() -> T) -> (f64, Option<f64>, T) {
    let mut best = f64::INFINITY;
    let mut best_cpu: Option<f64> = None;
    let mut last = None;
    for _ in 0..runs {
        let cpu = thread_cpu();
        let start = Instant::now();
        let value = f();
        best = best.min(start.elapsed().as_secs_f64());
        if let (Some(before), Some(after)) = (cpu, thread_cpu()) {
            let used = after - before;
            best_cpu = Some(best_cpu.map_or(used, |b| b.min(used)));
        }
        last = Some(value);
    }
    (best, best_cpu, last.unwrap_or_else(f))
}

fn report(label: &str, size_mb: f64, wall: f64, cpu: Option<f64>) {
    let cpu_text = cpu.map_or_else(String::new, |c| {
        format!("  | cpu {c:.3} s  {:.0} MB/s", size_mb / c)
    });
    println!(
        "{label:<22} wall {wall:.3} s  {:.0} MB/s{cpu_text}",
        size_mb / wall
    );
}

fn main() {
    let mb: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(128);
    let (data, count) = state_dict(mb * 1_000_000);
    let size_mb = data.len() as f64 / 1e6;
    let options = ParseOptions::new(Profile::WeightsOnly);
    let (parse_s, parse_cpu, nodes) = best_of(5, || {
        let parsed = parse(&data, &options);
        assert!(parsed.error.is_none(), "{:?}", parsed.error);
        parsed.graph.len()
    });
    let (both_s, both_cpu, tensors) = best_of(3, || {
        let parsed = parse(&data, &options);
        let table = torch::extract(&parsed).map(|t| t.tensors.len());
        assert_eq!(table, Ok(count));
        count
    });
    println!("state-dict pickle: {size_mb:.1} MB, {tensors} tensors, {nodes} graph nodes");
    report("parse (weights-only):", size_mb, parse_s, parse_cpu);
    report("parse + extract:", size_mb, both_s, both_cpu);
}
