//! The pickle opcode table (`CPython` `Lib/pickletools.py`, protocols 0 to 5): one list from which
//! byte lookup, names, protocols and torch's weights-only acceptance are all derived.

/// One pickle opcode; the discriminant is the opcode byte (pickletools `opcodes`).
#[allow(missing_docs)] // each variant is named exactly as in pickletools
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Opcode {
    Int = b'I',
    BinInt = b'J',
    BinInt1 = b'K',
    BinInt2 = b'M',
    Long = b'L',
    Long1 = 0x8a,
    Long4 = 0x8b,
    String = b'S',
    BinString = b'T',
    ShortBinString = b'U',
    BinBytes = b'B',
    ShortBinBytes = b'C',
    BinBytes8 = 0x8e,
    ByteArray8 = 0x96,
    NextBuffer = 0x97,
    ReadonlyBuffer = 0x98,
    None = b'N',
    NewTrue = 0x88,
    NewFalse = 0x89,
    Unicode = b'V',
    ShortBinUnicode = 0x8c,
    BinUnicode = b'X',
    BinUnicode8 = 0x8d,
    Float = b'F',
    BinFloat = b'G',
    EmptyList = b']',
    Append = b'a',
    Appends = b'e',
    List = b'l',
    EmptyTuple = b')',
    Tuple = b't',
    Tuple1 = 0x85,
    Tuple2 = 0x86,
    Tuple3 = 0x87,
    EmptyDict = b'}',
    Dict = b'd',
    SetItem = b's',
    SetItems = b'u',
    EmptySet = 0x8f,
    AddItems = 0x90,
    FrozenSet = 0x91,
    Pop = b'0',
    Dup = b'2',
    Mark = b'(',
    PopMark = b'1',
    Get = b'g',
    BinGet = b'h',
    LongBinGet = b'j',
    Put = b'p',
    BinPut = b'q',
    LongBinPut = b'r',
    Memoize = 0x94,
    Ext1 = 0x82,
    Ext2 = 0x83,
    Ext4 = 0x84,
    Global = b'c',
    StackGlobal = 0x93,
    Reduce = b'R',
    Build = b'b',
    Inst = b'i',
    Obj = b'o',
    NewObj = 0x81,
    NewObjEx = 0x92,
    Proto = 0x80,
    Stop = b'.',
    Frame = 0x95,
    PersId = b'P',
    BinPersId = b'Q',
}

/// Facts about one opcode: its pickletools name, the protocol that introduced it, and whether
/// torch's weights-only unpickler (`torch/_weights_only_unpickler.py`, research §2.2) accepts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpcodeInfo {
    /// The opcode.
    pub opcode: Opcode,
    /// Its pickletools name, e.g. `BINUNICODE`.
    pub name: &'static str,
    /// The protocol that introduced it.
    pub protocol: u8,
    /// True for the 34 opcodes torch's weights-only unpickler accepts.
    pub weights_only: bool,
}

const fn op(opcode: Opcode, name: &'static str, protocol: u8, weights_only: bool) -> OpcodeInfo {
    OpcodeInfo {
        opcode,
        name,
        protocol,
        weights_only,
    }
}

/// Every opcode of protocols 0 to 5, in pickletools order; the single source of truth.
pub const OPCODES: [OpcodeInfo; 68] = [
    op(Opcode::Int, "INT", 0, false),
    op(Opcode::BinInt, "BININT", 1, true),
    op(Opcode::BinInt1, "BININT1", 1, true),
    op(Opcode::BinInt2, "BININT2", 1, true),
    op(Opcode::Long, "LONG", 0, false),
    op(Opcode::Long1, "LONG1", 2, true),
    op(Opcode::Long4, "LONG4", 2, false),
    op(Opcode::String, "STRING", 0, false),
    op(Opcode::BinString, "BINSTRING", 1, false),
    op(Opcode::ShortBinString, "SHORT_BINSTRING", 1, true),
    op(Opcode::BinBytes, "BINBYTES", 3, false),
    op(Opcode::ShortBinBytes, "SHORT_BINBYTES", 3, false),
    op(Opcode::BinBytes8, "BINBYTES8", 4, false),
    op(Opcode::ByteArray8, "BYTEARRAY8", 5, false),
    op(Opcode::NextBuffer, "NEXT_BUFFER", 5, false),
    op(Opcode::ReadonlyBuffer, "READONLY_BUFFER", 5, false),
    op(Opcode::None, "NONE", 0, true),
    op(Opcode::NewTrue, "NEWTRUE", 2, true),
    op(Opcode::NewFalse, "NEWFALSE", 2, true),
    op(Opcode::Unicode, "UNICODE", 0, false),
    op(Opcode::ShortBinUnicode, "SHORT_BINUNICODE", 4, false),
    op(Opcode::BinUnicode, "BINUNICODE", 1, true),
    op(Opcode::BinUnicode8, "BINUNICODE8", 4, false),
    op(Opcode::Float, "FLOAT", 0, false),
    op(Opcode::BinFloat, "BINFLOAT", 1, true),
    op(Opcode::EmptyList, "EMPTY_LIST", 1, true),
    op(Opcode::Append, "APPEND", 0, true),
    op(Opcode::Appends, "APPENDS", 1, true),
    op(Opcode::List, "LIST", 0, false),
    op(Opcode::EmptyTuple, "EMPTY_TUPLE", 1, true),
    op(Opcode::Tuple, "TUPLE", 0, true),
    op(Opcode::Tuple1, "TUPLE1", 2, true),
    op(Opcode::Tuple2, "TUPLE2", 2, true),
    op(Opcode::Tuple3, "TUPLE3", 2, true),
    op(Opcode::EmptyDict, "EMPTY_DICT", 1, true),
    op(Opcode::Dict, "DICT", 0, false),
    op(Opcode::SetItem, "SETITEM", 0, true),
    op(Opcode::SetItems, "SETITEMS", 1, true),
    op(Opcode::EmptySet, "EMPTY_SET", 4, true),
    op(Opcode::AddItems, "ADDITEMS", 4, false),
    op(Opcode::FrozenSet, "FROZENSET", 4, false),
    op(Opcode::Pop, "POP", 0, false),
    op(Opcode::Dup, "DUP", 0, false),
    op(Opcode::Mark, "MARK", 0, true),
    op(Opcode::PopMark, "POP_MARK", 1, false),
    op(Opcode::Get, "GET", 0, false),
    op(Opcode::BinGet, "BINGET", 1, true),
    op(Opcode::LongBinGet, "LONG_BINGET", 1, true),
    op(Opcode::Put, "PUT", 0, false),
    op(Opcode::BinPut, "BINPUT", 1, true),
    op(Opcode::LongBinPut, "LONG_BINPUT", 1, true),
    op(Opcode::Memoize, "MEMOIZE", 4, false),
    op(Opcode::Ext1, "EXT1", 2, false),
    op(Opcode::Ext2, "EXT2", 2, false),
    op(Opcode::Ext4, "EXT4", 2, false),
    op(Opcode::Global, "GLOBAL", 0, true),
    op(Opcode::StackGlobal, "STACK_GLOBAL", 4, false),
    op(Opcode::Reduce, "REDUCE", 0, true),
    op(Opcode::Build, "BUILD", 0, true),
    op(Opcode::Inst, "INST", 0, false),
    op(Opcode::Obj, "OBJ", 1, false),
    op(Opcode::NewObj, "NEWOBJ", 2, true),
    op(Opcode::NewObjEx, "NEWOBJ_EX", 4, false),
    op(Opcode::Proto, "PROTO", 2, true),
    op(Opcode::Stop, "STOP", 0, true),
    op(Opcode::Frame, "FRAME", 4, false),
    op(Opcode::PersId, "PERSID", 0, false),
    op(Opcode::BinPersId, "BINPERSID", 1, true),
];

/// Byte -> index+1 into [`OPCODES`] (0 = not an opcode), derived from the table at compile time.
const LOOKUP: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut i = 0;
    while i < OPCODES.len() {
        #[allow(clippy::cast_possible_truncation)] // OPCODES has 68 entries
        {
            table[OPCODES[i].opcode as usize] = (i + 1) as u8;
        }
        i += 1;
    }
    table
};

/// Byte -> opcode, derived from [`OPCODES`] at compile time (the machine's per-opcode lookup).
const BY_BYTE: [Option<Opcode>; 256] = {
    let mut table = [None; 256];
    let mut i = 0;
    while i < OPCODES.len() {
        table[OPCODES[i].opcode as usize] = Some(OPCODES[i].opcode);
        i += 1;
    }
    table
};

/// Byte -> accepted by torch's weights-only unpickler, derived from [`OPCODES`].
const WEIGHTS_ONLY: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < OPCODES.len() {
        table[OPCODES[i].opcode as usize] = OPCODES[i].weights_only;
        i += 1;
    }
    table
};

impl Opcode {
    /// The opcode for `byte`, or `None` when no protocol defines it.
    #[inline]
    pub fn from_byte(byte: u8) -> Option<Opcode> {
        BY_BYTE[usize::from(byte)]
    }

    /// The byte that encodes this opcode.
    pub fn byte(self) -> u8 {
        self as u8
    }

    /// The table row for this opcode.
    pub fn info(self) -> OpcodeInfo {
        let index = usize::from(LOOKUP[self as usize]);
        // Every variant is in OPCODES (checked by a unit test); fall back to a neutral row.
        index
            .checked_sub(1)
            .and_then(|i| OPCODES.get(i))
            .copied()
            .unwrap_or(OpcodeInfo {
                opcode: self,
                name: "?",
                protocol: 0,
                weights_only: false,
            })
    }

    /// The pickletools name, e.g. `STACK_GLOBAL`.
    pub fn name(self) -> &'static str {
        self.info().name
    }

    /// Whether torch's weights-only unpickler accepts this opcode (research §2.2).
    #[inline]
    pub fn weights_only(self) -> bool {
        WEIGHTS_ONLY[self as usize]
    }
}

impl std::fmt::Display for Opcode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_round_trips_and_has_34_weights_only_opcodes() {
        for info in OPCODES {
            assert_eq!(Opcode::from_byte(info.opcode.byte()), Some(info.opcode));
            assert_eq!(info.opcode.info(), info);
            assert_eq!(info.opcode.weights_only(), info.weights_only);
        }
        assert_eq!(OPCODES.iter().filter(|i| i.weights_only).count(), 34);
        let defined = (0..=255u8)
            .filter(|b| Opcode::from_byte(*b).is_some())
            .count();
        assert_eq!(defined, OPCODES.len());
        assert_eq!(Opcode::from_byte(0xff), None);
        assert_eq!(Opcode::Frame.to_string(), "FRAME");
    }
}
