//! The program loader against crafted programs: sizes and offsets that overflow, negative
//! dimensions and offsets, buffers outside the arena, arenas too large to allocate, parameter
//! layouts that split a dimension the tensor does not have, and instruction attributes that do
//! not decode (an unknown mesh axis, a negative tag, a permutation that is none). Each is an error that names the
//! numbers and says to recompile, never a panic, an abort or an out-of-bounds slice. The programs
//! are small hand-written exec modules (docs/dialects/exec.md), so no compiler is needed.

use parc_dialects::attr::{Attr, AttrMap};
use parc_dialects::exec::ExecOp;
use parc_dialects::mesh::{Axis, GroupKind};
use parc_dialects::parser::parse_module;
use parc_dialects::types::DType;
use parc_runtime::cpu::exec::{Arena, ExecError, Executor};
use parc_runtime::instr::{decode, Collective, Decoded, Kernel};
use parc_runtime::program::{Buf, Instr, LoadError, Program, MAX_ARENA_BYTES};
use parc_runtime::shards::ParamLayout;

/// A valid program: a 2x4 f32 parameter at byte 0, the scalar loss at byte 32 and a 2x2
/// transient at byte 40 of a 64-byte arena, on a mesh of two data-parallel ranks (the parameter
/// replicated). Cases edit one piece of it with [`edit`].
const BASE: &str = r#"module attributes {exec.memory = {arena = 64 : i64}, exec.mesh = {dp = 2 : i64}, exec.params = [{name = "w", placement = ["R"], shape = array<i64: 2, 4>, zero_flat = false}], exec.tensors = [{dtype = "f32", name = "w", offset = 0 : i64, role = "param", shape = array<i64: 2, 4>}, {dtype = "f32", name = "loss", offset = 32 : i64, role = "output", shape = array<i64>}]} {
  func.func @train_step() {
    %w = "exec.tensor"() {name = "w"} : () -> memref<2x4xf32>
    %t = "exec.view"() {offset = 40 : i64} : () -> memref<2x2xf32>
    "exec.fill"(%t) {value = 0.0 : f64} : (memref<2x2xf32>) -> ()
    "func.return"() : () -> ()
  }
}
"#;

/// `BASE` with `from` (which must occur exactly once) replaced by `to`.
fn edit(from: &str, to: &str) -> String {
    assert_eq!(BASE.matches(from).count(), 1, "BASE must hold `{from}` once");
    BASE.replacen(from, to, 1)
}

fn load(text: &str) -> Result<Program, LoadError> {
    let module = parse_module(text).unwrap_or_else(|e| panic!("the crafted program must parse: {e}\n{text}"));
    Program::load(&module)
}

/// Loads `text`, which must fail, and checks that the error says every string of `expect` and
/// tells to recompile.
fn check_load_error(text: &str, expect: &[&str]) {
    let e = match load(text) {
        Ok(_) => panic!("the program loaded, but it must not:\n{text}"),
        Err(e) => e.to_string(),
    };
    for needle in expect {
        assert!(e.contains(needle), "the error lacks `{needle}`: {e}");
    }
    assert!(e.contains("recompile the model with parc compile"), "the error does not say what to do: {e}");
}

/// The layouts of `text`, which must load.
fn layouts(text: &str) -> Result<Vec<ParamLayout>, String> {
    let program = load(text).unwrap_or_else(|e| panic!("the program must load: {e}"));
    ParamLayout::of(&program)
}

fn check_layout_error(text: &str, expect: &[&str]) {
    let e = match layouts(text) {
        Ok(l) => panic!("the layouts were read, but they must not be: {l:?}"),
        Err(e) => e,
    };
    for needle in expect {
        assert!(e.contains(needle), "the error lacks `{needle}`: {e}");
    }
    assert!(e.contains("recompile the model with parc compile"), "the error does not say what to do: {e}");
}

#[test]
fn the_base_program_loads_runs_and_has_a_layout() {
    let program = load(BASE).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(program.arena_bytes, 64);
    assert_eq!(program.mesh.world_size(), 2);
    let l = ParamLayout::of(&program).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(l.len(), 1);
    assert_eq!(l[0].global_shape, vec![2, 4]);
    let exec = Executor::new(&program, 1).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(exec.arena.bytes(), 64);
}

// ---- sizes that overflow ------------------------------------------------------------------------

#[test]
fn a_tensor_shape_whose_size_overflows() {
    // 2^62 · 4 elements of 4 bytes: 2^66 bytes, which wraps around to 0 in 64-bit arithmetic.
    check_load_error(
        &edit("shape = array<i64: 2, 4>}, {dtype", "shape = array<i64: 4611686018427387904, 4>}, {dtype"),
        &["exec.tensors: tensor w", "shape [4611686018427387904, 4] of f32", "more than 2^64 bytes"],
    );
}

#[test]
fn a_view_shape_whose_size_overflows() {
    let text = BASE.replace("memref<2x2xf32>", "memref<4611686018427387904x4xf32>");
    check_load_error(&text, &["exec.view", "shape [4611686018427387904, 4] of f32", "more than 2^64 bytes"]);
}

#[test]
fn an_offset_whose_end_overflows() {
    // 2^61 + 8 f32 elements (2^63 + 32 bytes) starting 8 bytes below 2^63: the end is past 2^64.
    let text = edit(
        "offset = 40 : i64} : () -> memref<2x2xf32>",
        "offset = 9223372036854775800 : i64} : () -> memref<2x2xf32>",
    )
    .replace("memref<2x2xf32>", "memref<2305843009213693960xf32>");
    check_load_error(
        &text,
        &["starts at byte 9223372036854775800", "9223372036854775840 bytes", "past byte 2^64", "64-byte arena"],
    );
}

// ---- negative numbers ---------------------------------------------------------------------------

#[test]
fn a_negative_dimension() {
    check_load_error(
        &edit("shape = array<i64: 2, 4>}, {dtype", "shape = array<i64: -2, 4>}, {dtype"),
        &["exec.tensors: tensor w has shape [-2, 4]", "negative dimension"],
    );
}

#[test]
fn a_negative_offset() {
    check_load_error(
        &edit(r#"name = "loss", offset = 32 : i64"#, r#"name = "loss", offset = -8 : i64"#),
        &["tensor loss starts at byte -8", "negative offset"],
    );
    check_load_error(&edit("offset = 40 : i64}", "offset = -16 : i64}"), &["exec.view", "byte -16", "negative offset"]);
}

#[test]
fn a_negative_arena() {
    check_load_error(&edit("arena = 64 : i64", "arena = -64 : i64"), &["exec.memory.arena is -64 bytes", "negative"]);
}

// ---- buffers outside the arena ------------------------------------------------------------------

#[test]
fn a_view_outside_the_arena() {
    check_load_error(
        &edit("offset = 40 : i64}", "offset = 56 : i64}"),
        &["exec.view", "bytes 56..72", "shape [2, 2] of f32", "lies outside the 64-byte arena"],
    );
}

#[test]
fn a_tensor_outside_the_arena() {
    check_load_error(
        &edit(r#"name = "loss", offset = 32 : i64"#, r#"name = "loss", offset = 64 : i64"#),
        &["exec.tensors: tensor loss (bytes 64..68", "lies outside the 64-byte arena"],
    );
}

// ---- arenas too large ---------------------------------------------------------------------------

#[test]
fn an_arena_larger_than_any_allocation() {
    check_load_error(
        &edit("arena = 64 : i64", "arena = 9223372036854775807 : i64"),
        &["exec.memory.arena is 9223372036854775807 bytes", &format!("({MAX_ARENA_BYTES} bytes)")],
    );
}

#[test]
fn an_arena_too_large_to_allocate_is_an_error_not_an_abort() {
    // 2^62 bytes (4 EiB) is a valid size that no machine has: loading succeeds, allocating fails.
    let program =
        load(&edit("arena = 64 : i64", "arena = 4611686018427387904 : i64")).unwrap_or_else(|e| panic!("{e}"));
    let e = match Executor::new(&program, 1) {
        Ok(_) => panic!("a 4 EiB arena was allocated"),
        Err(e) => e,
    };
    assert!(matches!(e, ExecError::Alloc { bytes: 4611686018427387904, .. }), "{e:?}");
    let message = e.to_string();
    for needle in ["cannot allocate the program's 4611686018427387904-byte arena", "4294967296.0 GiB", "more memory"] {
        assert!(message.contains(needle), "the error lacks `{needle}`: {message}");
    }
    assert!(message.contains("recompile it with parc compile for more ranks"), "{message}");
}

#[test]
fn arena_sizes_past_the_allocation_limit_fail_cleanly() {
    for bytes in [MAX_ARENA_BYTES + 1, usize::MAX] {
        let e = match Arena::new(bytes) {
            Ok(_) => panic!("an arena of {bytes} bytes was allocated"),
            Err(e) => e.to_string(),
        };
        assert!(e.contains(&format!("{bytes}-byte arena")) && e.contains("larger than any allocation"), "{e}");
    }
    let empty = Arena::new(0).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(empty.bytes(), 0);
}

#[test]
fn a_mesh_with_an_unknown_axis_or_an_impossible_size() {
    let huge = "{dp = 4611686018427387904 : i64, tp = 4611686018427387904 : i64}";
    for (mesh, expect) in [
        ("{xp = 2 : i64}", "unknown mesh axis 'xp'"),
        ("{dp = 0 : i64}", "mesh axis dp must be a size of at least 1"),
        ("{dp = -2 : i64}", "mesh axis dp must be a size of at least 1"),
        (huge, "the mesh has more than"),
        ("{dp = 3 : i64, ep = 2 : i64}", "ep = 2 does not divide dp = 3"),
        (r#""2x1x1""#, "must be a dictionary of axis sizes"),
    ] {
        check_load_error(&edit("exec.mesh = {dp = 2 : i64}", &format!("exec.mesh = {mesh}")), &["exec.mesh", expect]);
    }
}

// ---- parameter layouts (exec.params) ------------------------------------------------------------

#[test]
fn a_layout_that_splits_a_dimension_the_tensor_lacks() {
    check_layout_error(
        &edit(r#"placement = ["R"]"#, r#"placement = ["S(2)"]"#),
        &["exec.params: parameter w is split on dimension 2 (placement [S(2)])", "shape [2, 4] has 2 dimension(s)"],
    );
    // A dimension far past the end, which would index anything.
    check_layout_error(&edit(r#"placement = ["R"]"#, r#"placement = ["S(1000000)"]"#), &["split on dimension 1000000"]);
}

#[test]
fn a_layout_whose_placement_is_not_a_sharding() {
    check_layout_error(
        &edit(r#"placement = ["R"]"#, r#"placement = "[R]""#),
        &["exec.params: parameter w", "\"[R]\" is not a sharding", "one placement per mesh axis"],
    );
    check_layout_error(&edit(r#"placement = ["R"]"#, r#"placement = ["Q(1)"]"#), &["exec.params: parameter w", "Q(1)"]);
}

#[test]
fn a_layout_with_a_negative_dimension() {
    check_layout_error(
        &edit("shape = array<i64: 2, 4>, zero_flat", "shape = array<i64: 2, -4>, zero_flat"),
        &["exec.params: parameter w has shape [2, -4]", "negative dimension"],
    );
}

#[test]
fn a_layout_whose_element_count_overflows() {
    check_layout_error(
        &edit("shape = array<i64: 2, 4>, zero_flat", "shape = array<i64: 4294967296, 4294967296>, zero_flat"),
        &["exec.params: parameter w has shape [4294967296, 4294967296]", "more elements than a machine can address"],
    );
}

#[test]
fn a_layout_larger_than_its_tensor() {
    // A global shape far larger than the 8 elements the arena holds for w: cutting pieces out of
    // it would allocate and index by the layout's numbers, so it is refused.
    check_layout_error(
        &edit("shape = array<i64: 2, 4>, zero_flat", "shape = array<i64: 2000000, 4>, zero_flat"),
        &[
            "parameter w of shape [2000000, 4] with placement [R] gives each rank 8000000 elements on mesh dp=2",
            "holds 8 ([2, 4])",
        ],
    );
}

#[test]
fn a_valid_split_layout_is_accepted() {
    // w is [4, 4] globally, split in rows over dp = 2: each rank holds [2, 4].
    let text = edit("shape = array<i64: 2, 4>, zero_flat", "shape = array<i64: 4, 4>, zero_flat")
        .replace(r#"placement = ["R"]"#, r#"placement = ["S(0)"]"#);
    let l = layouts(&text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(l[0].global_shape, vec![4, 4]);
}

// ---- instruction attributes (decoded once, at load) ---------------------------------------------

/// `BASE` with `ops` (lines of the function body) added after its `exec.fill`, which is
/// instruction 0: the first added instruction is instruction 1.
fn with_ops(ops: &str) -> String {
    edit("    \"func.return\"() : () -> ()\n", &format!("{ops}\n    \"func.return\"() : () -> ()\n"))
}

#[test]
fn the_base_program_decodes_its_fill() {
    let program = load(BASE).unwrap_or_else(|e| panic!("{e}"));
    let [Instr::Kernel { kernel, operands }] = &program.functions[0][..] else {
        panic!("one kernel instruction: {:?}", program.functions[0])
    };
    assert_eq!(kernel, &Kernel::Fill { value: 0.0 });
    assert_eq!(operands[0].offset, 40);
}

/// Adds `op` (an instruction on `%t`) to the base program as its instruction 1, and checks that
/// loading fails with an error that names it and says every string of `expect`.
fn check_op_error(op: &str, expect: &[&str]) {
    let expect: Vec<&str> = ["@train_step, instruction 1"].into_iter().chain(expect.iter().copied()).collect();
    check_load_error(&with_ops(&format!("    {op}")), &expect);
}

/// `exec.send` or `exec.recv` of `%t` one step along `axis`, on queue `tag`.
fn p2p(op: &str, axis: &str, tag: i64) -> String {
    format!(
        r#""exec.{op}"(%t) {{axis = "{axis}", shift = 1 : i64, size = 2 : i64, tag = {tag} : i64}} : (memref<2x2xf32>) -> ()"#
    )
}

#[test]
fn a_collective_on_an_unknown_mesh_axis() {
    check_op_error(
        r#""exec.all_reduce"(%t) {axis = "xy", size = 2 : i64} : (memref<2x2xf32>) -> ()"#,
        &["exec.all_reduce", "attribute 'axis'", "unknown mesh axis 'xy'"],
    );
    check_op_error(&p2p("send", "model", 0), &["exec.send", "attribute 'axis'", "unknown mesh axis 'model'"]);
}

#[test]
fn a_send_along_a_group_that_is_not_an_axis() {
    check_op_error(
        &p2p("recv", "pp_ends", 0),
        &["exec.recv", "attribute 'axis' names the pp_ends group", "one mesh axis"],
    );
}

#[test]
fn a_negative_tag_or_micro_batch() {
    check_op_error(&p2p("send", "dp", -3), &["exec.send", "attribute 'tag' is -3", "must not be negative"]);
    check_op_error(
        r#""exec.load_batch"() {microbatch = -1 : i64} : () -> ()"#,
        &["exec.load_batch", "attribute 'microbatch' is -1", "must not be negative"],
    );
}

#[test]
fn a_shard_axis_that_is_no_mesh_axis() {
    // shard_slice of w ([2, 4]) along dim 0 over 2 ranks: a [1, 4] block.
    let slice = r#"    %s = "exec.view"() {offset = 40 : i64} : () -> memref<1x4xf32>
    "exec.shard_slice"(%w, %s) {axis = "pp_ends", dim = 0 : i64, size = 2 : i64} : (memref<2x4xf32>, memref<1x4xf32>) -> ()"#;
    check_load_error(
        &with_ops(slice),
        &["@train_step, instruction 1", "exec.shard_slice", "attribute 'axis' names the pp_ends group"],
    );
    // An embedding of w whose table is split over an axis that does not exist.
    let embedding = r#"    %ids = "exec.view"() {offset = 56 : i64} : () -> memref<2xi32>
    %e = "exec.view"() {offset = 64 : i64} : () -> memref<2x4xf32>
    "exec.embedding"(%w, %ids, %e) {shard_axis = "rows"} : (memref<2x4xf32>, memref<2xi32>, memref<2x4xf32>) -> ()"#;
    check_load_error(
        &with_ops(embedding).replace("arena = 64 : i64", "arena = 128 : i64"),
        &["@train_step, instruction 1", "exec.embedding", "attribute 'shard_axis'", "unknown mesh axis 'rows'"],
    );
}

/// Loads `text`, which the verifier must reject before any instruction is decoded, and checks
/// that the error names the function, the op and every string of `expect`.
fn check_verify_error(text: &str, op: &str, expect: &[&str]) {
    let e = match load(text) {
        Ok(_) => panic!("the program loaded, but it must not:\n{text}"),
        Err(e) => e.to_string(),
    };
    for needle in ["verification failed in @train_step", op].iter().chain(expect) {
        assert!(e.contains(needle), "the error lacks `{needle}`: {e}");
    }
}

#[test]
fn the_verifier_rejects_missing_and_ill_typed_attributes_first() {
    let copy = |perm: &str| {
        with_ops(&format!(
            r#"    %x = "exec.view"() {{offset = 0 : i64}} : () -> memref<4x2xf32>
    "exec.copy"(%w, %x) {{{perm}}} : (memref<2x4xf32>, memref<4x2xf32>) -> ()"#
        ))
    };
    check_verify_error(&copy("perm = array<i64: 0>"), "exec.copy", &["not a permutation of 0..2"]);
    check_verify_error(&copy(""), "exec.copy", &["missing required attribute 'perm'"]);
    check_verify_error(&copy("perm = 1 : i64"), "exec.copy", &["attribute 'perm' must be integer array"]);
    check_verify_error(
        &with_ops(r#"    "exec.all_reduce"(%t) {axis = "dp", op = "mean", size = 2 : i64} : (memref<2x2xf32>) -> ()"#),
        "exec.all_reduce",
        &["op = \"mean\""],
    );
}

// ---- the decoder on its own (what the verifier would reject first) ------------------------------

fn buf(shape: &[usize]) -> Buf {
    Buf { offset: 0, shape: shape.to_vec(), dtype: DType::F32 }
}

/// Decodes `op`, which must fail, and checks that the message says every string of `expect`.
fn check_decode_error(op: ExecOp, attrs: AttrMap, operands: &[Buf], expect: &[&str]) {
    let e = match decode(op, &attrs, operands) {
        Ok(d) => panic!("{} decoded, but it must not: {d:?}", op.name()),
        Err(e) => e,
    };
    for needle in expect {
        assert!(e.contains(needle), "the error lacks `{needle}`: {e}");
    }
}

#[test]
fn a_transpose_whose_perm_is_no_permutation() {
    let operands = [buf(&[2, 3, 4]), buf(&[4, 3, 2])];
    let perm = |p: &[i64]| AttrMap::new().with("perm", Attr::Ints(p.to_vec()));
    check_decode_error(
        ExecOp::Copy,
        perm(&[1, 0]),
        &operands,
        &["attribute 'perm' [1, 0] has 2 entries", "3 dimensions"],
    );
    check_decode_error(ExecOp::Copy, perm(&[2, 1, 3]), &operands, &["names dimension 3, outside 0..3"]);
    check_decode_error(ExecOp::Copy, perm(&[2, -1, 0]), &operands, &["names dimension -1, outside 0..3"]);
    check_decode_error(ExecOp::Copy, perm(&[2, 2, 0]), &operands, &["names dimension 2 twice"]);
    check_decode_error(ExecOp::Copy, AttrMap::new(), &operands, &["missing attribute 'perm' (an integer array)"]);
    let ok = decode(ExecOp::Copy, &perm(&[2, 1, 0]), &operands).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(ok, Decoded::Kernel(Kernel::Copy { perm: vec![2, 1, 0] }));
}

#[test]
fn missing_or_malformed_kernel_attributes() {
    let x = [buf(&[2, 4]), buf(&[2])];
    check_decode_error(ExecOp::Reduce, AttrMap::new(), &x, &["missing attribute 'kind' (a string)"]);
    let reduce = |kind: &str, axes: &[i64]| {
        AttrMap::new().with("kind", Attr::Str(kind.into())).with("axes", Attr::Ints(axes.to_vec()))
    };
    check_decode_error(ExecOp::Reduce, reduce("median", &[1]), &x, &["attribute 'kind' is \"median\""]);
    check_decode_error(ExecOp::Reduce, reduce("sum", &[2]), &x, &["attribute 'axes'", "axis 2 is out of range"]);
    check_decode_error(
        ExecOp::LayerNorm,
        AttrMap::new().with("eps", Attr::Str("small".into())),
        &[buf(&[2, 4]), buf(&[4]), buf(&[4]), buf(&[2, 4])],
        &["missing attribute 'eps' (a float)"],
    );
    let lr = AttrMap::new()
        .with("kind", Attr::Str("linear".into()))
        .with("lr", Attr::Float(1e-3))
        .with("min_lr", Attr::Float(0.0))
        .with("warmup_steps", Attr::Int(0))
        .with("decay_steps", Attr::Int(10));
    check_decode_error(ExecOp::LrSchedule, lr, &[buf(&[]), buf(&[])], &["attribute 'kind' is \"linear\""]);
    let stats = AttrMap::new().with("vocab", Attr::Int(-5));
    let operands = [buf(&[2, 4]), buf(&[2]), buf(&[2]), buf(&[2]), buf(&[2])];
    check_decode_error(ExecOp::CrossEntropyStats, stats, &operands, &["attribute 'vocab' is -5"]);
    check_decode_error(ExecOp::Gemm, AttrMap::new(), &x, &["'exec.gemm' takes 3 operands, found 2"]);
}

#[test]
fn missing_or_malformed_collective_attributes() {
    let x = [buf(&[4, 2]), buf(&[2, 2])];
    let rs = |axis: &str, dim: i64| {
        AttrMap::new().with("axis", Attr::Str(axis.into())).with("size", Attr::Int(2)).with("dim", Attr::Int(dim))
    };
    check_decode_error(ExecOp::ReduceScatter, rs("tp", 2), &x, &["attribute 'dim'", "axis 2 is out of range"]);
    check_decode_error(ExecOp::ReduceScatter, rs("", 0), &x, &["attribute 'axis'", "unknown mesh axis ''"]);
    check_decode_error(
        ExecOp::AllReduce,
        AttrMap::new().with("axis", Attr::Str("dp".into())).with("op", Attr::Str("mean".into())),
        &x[..1],
        &["attribute 'op' is \"mean\""],
    );
    check_decode_error(
        ExecOp::Send,
        AttrMap::new().with("axis", Attr::Str("pp".into())).with("tag", Attr::Int(0)),
        &x[..1],
        &["missing attribute 'shift' (an integer)"],
    );
    // A negative dim counts from the end, as the verifier reads it.
    let d = decode(ExecOp::AllGather, &rs("tp", -1), &x[..1].iter().chain(&x[..1]).cloned().collect::<Vec<_>>());
    assert_eq!(
        d.unwrap_or_else(|e| panic!("{e}")),
        Decoded::Collective(Collective::AllGather { group: GroupKind::Axis(Axis::Tp), dim: 1 })
    );
    // all_to_all: dim defaults to 0, counts from the end, and its group may be edp.
    let pair = [buf(&[4, 2]), buf(&[4, 2])];
    let a2a = |axis: &str| AttrMap::new().with("axis", Attr::Str(axis.into())).with("size", Attr::Int(2));
    assert_eq!(
        decode(ExecOp::AllToAll, &a2a("ep"), &pair).unwrap_or_else(|e| panic!("{e}")),
        Decoded::Collective(Collective::AllToAll { group: GroupKind::Axis(Axis::Ep), dim: 0 })
    );
    assert_eq!(
        decode(ExecOp::AllToAll, &a2a("edp").with("dim", Attr::Int(-1)), &pair).unwrap_or_else(|e| panic!("{e}")),
        Decoded::Collective(Collective::AllToAll { group: GroupKind::ExpertData, dim: 1 })
    );
    check_decode_error(
        ExecOp::AllToAll,
        a2a("ep").with("dim", Attr::Int(2)),
        &pair,
        &["attribute 'dim'", "out of range"],
    );
    check_decode_error(ExecOp::AllToAll, a2a("epp"), &pair, &["attribute 'axis'", "unknown mesh axis 'epp'"]);
    // shard_slice over the edp group (ZeRO shards of expert weights).
    let slice = [buf(&[4, 2]), buf(&[2, 2])];
    assert_eq!(
        decode(ExecOp::ShardSlice, &a2a("edp").with("dim", Attr::Int(0)), &slice).unwrap_or_else(|e| panic!("{e}")),
        Decoded::Kernel(Kernel::ShardSlice { group: GroupKind::ExpertData, dim: 0 })
    );
}

// ---- calls -----------------------------------------------------------------------------------------

/// `BASE` with a second function @a and `calls` (`exec.call` ops) added to @train_step and @a.
fn with_calls(in_step: &str, in_a: &str) -> String {
    let call = |callee: &str| format!("    \"exec.call\"() {{callee = \"{callee}\"}} : () -> ()\n");
    let step_calls: String = in_step.split_whitespace().map(call).collect();
    let a_calls: String = in_a.split_whitespace().map(call).collect();
    let text = edit(
        "    \"func.return\"() : () -> ()\n  }\n}",
        &format!(
            "{step_calls}    \"func.return\"() : () -> ()\n  }}\n  func.func @a() {{\n{a_calls}    \"func.return\"() : () -> ()\n  }}\n}}"
        ),
    );
    text
}

#[test]
fn calls_without_a_cycle_load() {
    load(&with_calls("a a", "")).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn a_function_that_calls_itself() {
    // The executor runs a call by recursion: a cycle would overflow its stack.
    check_load_error(&with_calls("", "a"), &["@a calls back into itself", "@a -> @a", "must not form a cycle"]);
}

#[test]
fn functions_that_call_each_other() {
    check_load_error(&with_calls("a", "train_step"), &["calls back into itself", "@train_step -> @a -> @train_step"]);
}

// ---- calls that rebind a callee's tensors ---------------------------------------------------------

/// Two stash slots `s.0.x` and `s.1.x`; `@fill` writes slot 0, `@train_step` calls it for slot
/// `slot` with `rebind` (`REBIND` is replaced by the call's attributes).
const SLOTS: &str = r#"module attributes {exec.memory = {arena = 64 : i64}, exec.tensors = [{dtype = "f32", name = "s.0.x", offset = 0 : i64, role = "input", shape = array<i64: 4>}, {dtype = "f32", name = "s.1.x", offset = 16 : i64, role = "input", shape = array<i64: 4>}, {dtype = "f32", name = "loss", offset = 32 : i64, role = "output", shape = array<i64>}]} {
  func.func @train_step() {
    "exec.call"() {callee = "fill"REBIND} : () -> ()
    "func.return"() : () -> ()
  }
  func.func @fill() {
    %x = "exec.tensor"() {name = "s.0.x"} : () -> memref<4xf32>
    "exec.fill"(%x) {value = 7.0 : f64} : (memref<4xf32>) -> ()
    "func.return"() : () -> ()
  }
}
"#;

struct NoData;
impl parc_runtime::cpu::exec::BatchSource for NoData {
    fn load(&mut self, _: usize, _: &mut [i32], _: &mut [i32]) -> Result<(), String> {
        Err("no data".into())
    }
}

#[test]
fn a_call_writes_the_slot_its_rebind_names() {
    for (rebind, written, untouched) in [("", "s.0.x", "s.1.x"), (r#", rebind = ["s.0.", "s.1."]"#, "s.1.x", "s.0.x")] {
        let program = load(&SLOTS.replace("REBIND", rebind)).unwrap_or_else(|e| panic!("{e}"));
        let mut exec = Executor::new(&program, 1).unwrap_or_else(|e| panic!("{e}"));
        exec.run(program.function("train_step").expect("train_step"), &mut NoData).unwrap_or_else(|e| panic!("{e}"));
        let value = |name: &str| exec.arena.f32(&program.tensor(name).expect("tensor").buf).to_vec();
        assert_eq!(value(written), vec![7.0; 4], "{rebind}");
        assert_eq!(value(untouched), vec![0.0; 4], "{rebind}");
    }
}

#[test]
fn a_rebind_to_a_missing_tensor_or_of_odd_length_is_refused() {
    check_load_error(
        &SLOTS.replace("REBIND", r#", rebind = ["s.0.", "s.7."]"#),
        &["no tensor s.7.x", "rebinding of s.0.x"],
    );
    check_load_error(&SLOTS.replace("REBIND", r#", rebind = ["s.0."]"#), &["rebind", "even number"]);
    check_load_error(&SLOTS.replace("REBIND", r#", rebind = ["", "s.1."]"#), &["rebind", "non-empty"]);
}
