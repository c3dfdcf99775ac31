//! A tiny pickle writer for hand-built test inputs (opcode bytes per pickletools).

use tw_pickle::{parse, ParseOptions, Parsed, Profile};

/// Bytes under construction.
#[derive(Default, Clone)]
pub struct P(pub Vec<u8>);

#[allow(dead_code)] // each test uses a subset
impl P {
    pub fn new() -> Self {
        P::default()
    }
    pub fn proto(self, v: u8) -> Self {
        self.raw(&[0x80, v])
    }
    pub fn raw(mut self, bytes: &[u8]) -> Self {
        self.0.extend_from_slice(bytes);
        self
    }
    pub fn op(self, byte: u8) -> Self {
        self.raw(&[byte])
    }
    pub fn global(self, module: &str, name: &str) -> Self {
        self.op(b'c')
            .raw(module.as_bytes())
            .op(b'\n')
            .raw(name.as_bytes())
            .op(b'\n')
    }
    pub fn uni(self, s: &str) -> Self {
        let len = u32::try_from(s.len()).unwrap().to_le_bytes();
        self.op(b'X').raw(&len).raw(s.as_bytes())
    }
    pub fn short_uni(self, s: &str) -> Self {
        self.op(0x8c)
            .raw(&[u8::try_from(s.len()).unwrap()])
            .raw(s.as_bytes())
    }
    pub fn int(self, v: i32) -> Self {
        self.op(b'J').raw(&v.to_le_bytes())
    }
    pub fn int1(self, v: u8) -> Self {
        self.raw(&[b'K', v])
    }
    pub fn put(self, i: u8) -> Self {
        self.raw(&[b'q', i])
    }
    pub fn get(self, i: u8) -> Self {
        self.raw(&[b'h', i])
    }
    pub fn frame(self, len: u64) -> Self {
        self.op(0x95).raw(&len.to_le_bytes())
    }
    pub fn stop(self) -> Self {
        self.op(b'.')
    }
    pub fn bytes(&self) -> &[u8] {
        &self.0
    }
}

/// Parses with the scan profile.
pub fn scan(data: &[u8]) -> Parsed<'_> {
    parse(data, &ParseOptions::new(Profile::Scan))
}

/// Parses with the weights-only profile.
pub fn weights_only(data: &[u8]) -> Parsed<'_> {
    parse(data, &ParseOptions::new(Profile::WeightsOnly))
}
