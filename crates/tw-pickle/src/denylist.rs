//! Known-dangerous globals (research §3 items 17, 20-25): used only to raise a finding's
//! severity; the policy itself is the allowlist. Names are canonicalised the way torch keys
//! globals (`module + "." + name`, research §2.4), private aliases are folded onto their public
//! module, and every attribute path reachable through a dotted name is checked too.

/// Private or Python 2 module names and the module they stand for.
const ALIASES: [(&str, &str); 9] = [
    ("__builtin__", "builtins"),
    ("__builtins__", "builtins"),
    ("_operator", "operator"),
    ("_pickle", "pickle"),
    ("cPickle", "pickle"),
    ("_io", "io"),
    ("_functools", "functools"),
    ("copy_reg", "copyreg"),
    ("_codecs_io", "io"),
];

/// Modules every attribute of which is dangerous, with the reason.
const MODULES: [(&str, &str); 33] = [
    ("os", "runs shell commands and touches the file system"),
    ("posix", "runs shell commands and touches the file system"),
    ("nt", "runs shell commands and touches the file system"),
    ("subprocess", "runs programs"),
    ("_posixsubprocess", "runs programs"),
    ("_winapi", "runs programs"),
    ("pty", "runs programs"),
    ("commands", "runs shell commands"),
    ("popen2", "runs shell commands"),
    ("multiprocessing", "runs programs and code"),
    ("asyncio", "runs programs"),
    ("sys", "changes interpreter state"),
    ("importlib", "imports arbitrary modules"),
    ("runpy", "runs Python code"),
    ("code", "runs Python code"),
    ("codeop", "compiles Python code"),
    ("timeit", "runs Python code"),
    ("pdb", "runs Python code"),
    ("cProfile", "runs Python code"),
    ("profile", "runs Python code"),
    ("trace", "runs Python code"),
    ("idlelib", "runs Python code"),
    ("doctest", "runs Python code"),
    ("_interpreters", "runs Python code"),
    ("_xxsubinterpreters", "runs Python code"),
    ("socket", "opens network connections"),
    ("shutil", "copies, moves and deletes files"),
    ("webbrowser", "launches programs"),
    ("ctypes", "calls native code"),
    ("_ctypes", "calls native code"),
    ("pip", "installs packages"),
    ("ensurepip", "installs packages"),
    ("marshal", "loads code objects"),
];

/// Individual dangerous callables (canonical module), with the reason.
const CALLABLES: [(&str, &str); 54] = [
    ("builtins.eval", "runs Python code"),
    ("builtins.exec", "runs Python code"),
    ("builtins.execfile", "runs Python code"),
    ("builtins.compile", "compiles Python code"),
    ("builtins.getattr", "reaches any attribute, e.g. os.system"),
    ("builtins.setattr", "changes any attribute"),
    ("builtins.delattr", "changes any attribute"),
    ("builtins.__import__", "imports arbitrary modules"),
    ("builtins.open", "opens files"),
    ("builtins.breakpoint", "starts a debugger"),
    ("builtins.input", "reads from the terminal"),
    ("builtins.globals", "exposes interpreter state"),
    ("builtins.locals", "exposes interpreter state"),
    ("builtins.vars", "exposes interpreter state"),
    ("builtins.exit", "ends the process"),
    ("builtins.quit", "ends the process"),
    ("builtins.help", "runs a pager"),
    ("io.open", "opens files"),
    ("io.open_code", "opens files"),
    ("io.FileIO", "opens files"),
    ("operator.attrgetter", "reaches any attribute"),
    ("operator.methodcaller", "calls any method"),
    ("operator.itemgetter", "reaches any item"),
    ("functools.partial", "builds a deferred call"),
    ("functools.reduce", "chains calls"),
    ("pydoc.locate", "resolves any object by name"),
    ("pydoc.pipepager", "runs shell commands"),
    ("pkgutil.resolve_name", "resolves any object by name"),
    ("types.CodeType", "builds code objects"),
    ("types.FunctionType", "builds functions"),
    ("pickle.load", "loads a nested pickle"),
    ("pickle.loads", "loads a nested pickle"),
    ("pickle.Unpickler", "loads a nested pickle"),
    ("pickle._load", "loads a nested pickle"),
    ("pickle._loads", "loads a nested pickle"),
    ("pickle._Unpickler", "loads a nested pickle"),
    ("dill.load", "loads a nested pickle"),
    ("dill.loads", "loads a nested pickle"),
    ("dill.Unpickler", "loads a nested pickle"),
    ("cloudpickle.load", "loads a nested pickle"),
    ("cloudpickle.loads", "loads a nested pickle"),
    ("torch.storage._load_from_bytes", "loads a nested pickle"),
    ("torch.load", "loads a nested pickle"),
    ("torch.serialization.load", "loads a nested pickle"),
    ("torch.jit.load", "loads TorchScript code"),
    ("numpy.load", "loads a nested pickle"),
    ("joblib.load", "loads a nested pickle"),
    ("pandas.read_pickle", "loads a nested pickle"),
    ("pandas.io.pickle.read_pickle", "loads a nested pickle"),
    ("yaml.load", "constructs arbitrary objects"),
    ("yaml.unsafe_load", "constructs arbitrary objects"),
    ("yaml.full_load", "constructs arbitrary objects"),
    ("shelve.open", "loads nested pickles"),
    ("torch.utils.collect_env.run", "runs shell commands"),
];

/// The public module for a private alias, or the module itself.
fn canonical_head(head: &str) -> &str {
    ALIASES
        .iter()
        .find(|(alias, _)| *alias == head)
        .map_or(head, |(_, public)| *public)
}

/// Checks one attribute path given as its components.
fn reason_for_path(parts: &[&str]) -> Option<&'static str> {
    let (&head, rest) = parts.split_first()?;
    let head = canonical_head(head);
    if let Some((_, reason)) = MODULES.iter().find(|(m, _)| *m == head) {
        return Some(reason);
    }
    // Compare `head.rest...` against each entry, allowing trailing attributes after a match
    // (e.g. `builtins.getattr.__call__`).
    // Every key has a dot, so "first component == head" is "starts with `head.`"; most keys
    // fail on their first bytes without being split.
    CALLABLES.iter().find_map(|(key, reason)| {
        // The dot right after `head` is checked first: it rejects most keys without a compare.
        if key.as_bytes().get(head.len()) != Some(&b'.') {
            return None;
        }
        let tail = key.strip_prefix(head)?.strip_prefix('.')?;
        let mut path = rest.iter();
        tail.split('.')
            .all(|k| path.next() == Some(&k))
            .then_some(*reason)
    })
}

/// Why importing `module.name` is dangerous, or `None` when it is not known to be.
///
/// The check runs on the joined key `module.name` (so `torch` + `serialization.load` is caught)
/// and, because protocol 4 resolves dotted names attribute by attribute, on every attribute
/// path that starts inside a dotted `name` (so `pathlib` + `os.system` is caught as `os`).
pub fn dangerous_reason(module: &str, name: &str) -> Option<&'static str> {
    let module_parts = module.split('.').count();
    let parts: Vec<&str> = module.split('.').chain(name.split('.')).collect();
    (0..parts.len())
        .filter(|&start| start == 0 || start >= module_parts)
        .find_map(|start| parts.get(start..).and_then(reason_for_path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_entries() {
        assert!(dangerous_reason("os", "system").is_some());
        assert!(dangerous_reason("posix", "system").is_some());
        assert!(dangerous_reason("nt", "system").is_some());
        assert!(dangerous_reason("subprocess", "Popen").is_some());
        assert!(dangerous_reason("builtins", "eval").is_some());
        assert!(dangerous_reason("__builtin__", "getattr").is_some());
        assert!(dangerous_reason("_operator", "methodcaller").is_some());
        assert!(dangerous_reason("functools", "partial").is_some());
        assert!(dangerous_reason("torch.storage", "_load_from_bytes").is_some());
        assert!(dangerous_reason("torch", "serialization.load").is_some());
        assert!(dangerous_reason("pathlib", "os.system").is_some());
        assert!(dangerous_reason("_pickle", "loads").is_some());
        assert!(dangerous_reason("pydoc", "locate").is_some());
        assert!(dangerous_reason("os.path", "join").is_some());
        assert_eq!(dangerous_reason("collections", "OrderedDict"), None);
        assert_eq!(dangerous_reason("torch._utils", "_rebuild_tensor_v2"), None);
        assert_eq!(dangerous_reason("builtins", "set"), None);
        assert_eq!(dangerous_reason("mymodel.code", "Net"), None);
        assert_eq!(dangerous_reason("", ""), None);
        assert_eq!(dangerous_reason("torch", "serialization"), None);
        assert!(dangerous_reason("torch", "serialization.load.x").is_some());
        assert_eq!(dangerous_reason("torchx", "load"), None);
        assert!(CALLABLES.iter().all(|(key, _)| key.contains('.')));
    }
}
