//! The `func` dialect: the function terminator. Functions themselves are [`crate::ir::Function`]s
//! printed in MLIR's `func.func` form; this module only names the ops that live in their bodies.

use crate::dialect_ops;

dialect_ops! {
    /// Ops of the `func` dialect.
    pub enum FuncOp in "func" {
        /// Returns the operands from the enclosing function; the last op of every function body.
        Return = "return",
    }
}
