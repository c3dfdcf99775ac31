//! Integration tests of tw-pyapi: the fixture packages' exact interfaces and findings, the
//! API diff of the two fixture versions, and resolution on hostile inputs (cycles, relative
//! imports above the top, odd `__all__`).
mod tw_pyapi {
    mod fixtures;
    mod robustness;
    mod shapes;
}
