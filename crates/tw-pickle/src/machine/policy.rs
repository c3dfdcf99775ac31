//! Weights-only policy checks of the pickle machine (research §2.2-2.4): imports, callables,
//! mutation targets, persistent ids; violations stop the weights-only profile and are recorded.

use super::{Machine, Result};
use crate::allowlist::is_blocked_module;
use crate::error::PickleError;
use crate::graph::{CallKind, GlobalRef, GlobalTarget, Node, NodeId, Object, PyType, NO_INDEX};
use crate::limits::LimitKind;
use crate::policy::{Profile, Violation, ViolationKind};

impl<'a> Machine<'a, '_> {
    // ---- policy --------------------------------------------------------------------------

    /// Records a violation; in the weights-only profile it also stops the parse.
    pub(super) fn violate(&mut self, kind: ViolationKind) -> Result<()> {
        let violation = Violation {
            kind,
            offset: self.offset(),
        };
        if self.options.profile == Profile::WeightsOnly {
            self.violations.push(violation.clone());
            return Err(PickleError::Disallowed { violation });
        }
        self.violations.push(violation);
        Ok(())
    }

    /// torch applies Python 2 import mappings for protocol 2 (`_compat_pickle`); only the
    /// `__builtin__` module matters for the allowlist.
    pub(super) fn mapped_module<'m>(&self, module: &'m str) -> &'m str {
        if self.protocol == Some(2) && module == "__builtin__" {
            "builtins"
        } else {
            module
        }
    }

    pub(super) fn check_global(&mut self, module: &str, name: &str) -> Result<()> {
        let module = self.mapped_module(module);
        if is_blocked_module(module) {
            return self.violate(ViolationKind::BlockedModule {
                module: module.to_owned(),
                name: name.to_owned(),
            });
        }
        if !self.options.allowlist.contains(module, name) {
            return self.violate(ViolationKind::GlobalNotAllowed {
                module: module.to_owned(),
                name: name.to_owned(),
            });
        }
        Ok(())
    }

    /// Records an import and returns its node.
    pub(super) fn add_global(&mut self, target: GlobalTarget<'a>) -> Result<NodeId> {
        let index = u32::try_from(self.graph.globals.len())
            .map_err(|_| self.limit(LimitKind::GraphNodes, u64::from(u32::MAX), u64::MAX))?;
        let id = self.add(Node::Global(index), 1)?;
        self.graph.globals.push(GlobalRef {
            target,
            opcode: self.opcode,
            offset: self.offset(),
        });
        Ok(id)
    }

    pub(super) fn add_object(
        &mut self,
        kind: CallKind,
        callable: NodeId,
        args: NodeId,
        kwargs: Option<NodeId>,
    ) -> Result<NodeId> {
        let index = u32::try_from(self.graph.objects.len())
            .map_err(|_| self.limit(LimitKind::GraphNodes, u64::from(u32::MAX), u64::MAX))?;
        let depth = match kwargs {
            Some(k) => self.depth_of(&[callable, args, k]),
            None => self.depth_of(&[callable, args]),
        };
        let id = self.add(Node::Object(index), depth)?;
        self.graph.objects.push(Object {
            kind,
            callable,
            args,
            kwargs: kwargs.map_or(NO_INDEX, |k| k.0),
            offset: self.offset(),
            mutations: NO_INDEX,
            depth,
        });
        Ok(id)
    }

    /// REDUCE/NEWOBJ callables must be allowlisted globals (their import was checked already).
    pub(super) fn check_callable(&mut self, callable: NodeId) -> Result<()> {
        if matches!(self.graph.node(callable), Some(Node::Global(_))) {
            return Ok(());
        }
        let kind = ViolationKind::CallableNotAllowed {
            opcode: self.opcode,
            callable: self.graph.py_type(callable),
        };
        self.violate(kind)
    }

    pub(super) fn check_newobj_class(&mut self, class: NodeId) -> Result<()> {
        let Some(global) = self.graph.global_of(class) else {
            return self.check_callable(class);
        };
        let Some((module, name)) = global.names() else {
            return Ok(()); // an unresolved or extension import was reported at import time
        };
        if global.key_eq("torch.nn.parameter.Parameter")
            || self.options.allowlist.is_user_allowed(module, name)
            || !self.options.allowlist.contains(module, name)
        {
            // Parameter and user classes are what torch instantiates; a class outside the
            // allowlist was already reported when it was imported.
            return Ok(());
        }
        let kind = ViolationKind::NewObjNotAllowed {
            module: module.to_owned(),
            name: name.to_owned(),
        };
        self.violate(kind)
    }

    pub(super) fn check_build_target(&mut self, target: NodeId) -> Result<()> {
        let ty = self.graph.py_type(target);
        let user_class = self
            .graph
            .object_of(target)
            .and_then(|o| self.graph.global_of(o.callable));
        let user_allowed = user_class
            .and_then(GlobalRef::names)
            .is_some_and(|(m, n)| self.options.allowlist.is_user_allowed(m, n));
        if matches!(ty, PyType::Tensor | PyType::Parameter | PyType::OrderedDict) || user_allowed {
            return Ok(());
        }
        self.violate(ViolationKind::InvalidBuildTarget { target: ty })
    }

    pub(super) fn check_persistent_id(&mut self, pid: NodeId) -> Result<()> {
        let ok = self
            .graph
            .as_tuple(pid)
            .and_then(|items| items.first())
            .is_some_and(|first| {
                self.graph.as_str(*first) == Some("storage")
                    || self.graph.as_bytes(*first) == Some(b"storage")
            });
        if ok {
            return Ok(());
        }
        let pid = self.graph.py_type(pid);
        self.violate(ViolationKind::PersistentIdNotStorage { pid })
    }
}
