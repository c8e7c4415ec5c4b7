//! `all_to_all` in the compiler's cross-rank tools, on hand-written rank programs: the cross-rank
//! check (`parc check`) accepts matched exchanges on ep, edp and pp and names what differs when
//! a stage's exchange does not match (element count, element type, dim, another collective) or
//! a group size is not the mesh's; the communication report (`parc inspect --comm`) counts
//! (n−1)/n of the send buffer per call; the cost model times it with the alpha–beta formula at
//! the bus bandwidth inside a node and the inter-node bandwidth when the group spans nodes. The
//! expected numbers are computed here from the definitions, not read back from the code.

use std::collections::BTreeMap;

use parc_compiler::check::check;
use parc_compiler::cost::{CostModel, FreeParams};
use parc_compiler::hardware::built_in;
use parc_compiler::plan::communication;
use parc_compiler::Mesh;
use parc_dialects::ir::Module;
use parc_dialects::parser::parse_module;
use parc_dialects::verifier::verify_module;

/// One stage's program: `@train_step` calls `@forward_backward` twice, which exchanges a
/// 64x128 bf16 buffer on ep and an 8x4 f32 buffer along dim 1 on edp; `@train_step` then runs
/// `pp_op` (an exchange on pp, by default) on `pp_buffer`.
fn stage(mesh: &Mesh, pp_line: &str, pp_buffer: &str) -> Module {
    let ep = mesh.ep;
    let edp = mesh.dp / mesh.ep;
    let pp = mesh.pp;
    let text = format!(
        r#"module attributes {{exec.mesh = {mesh_attr}}} {{
  func.func @forward_backward() {{
    %a = "exec.view"() {{offset = 0 : i64}} : () -> memref<64x128xbf16>
    %b = "exec.view"() {{offset = 16384 : i64}} : () -> memref<64x128xbf16>
    "exec.all_to_all"(%a, %b) {{axis = "ep", size = {ep} : i64}} : (memref<64x128xbf16>, memref<64x128xbf16>) -> ()
    %c = "exec.view"() {{offset = 32768 : i64}} : () -> memref<8x4xf32>
    %d = "exec.view"() {{offset = 32896 : i64}} : () -> memref<8x4xf32>
    "exec.all_to_all"(%c, %d) {{axis = "edp", dim = 1 : i64, size = {edp} : i64}} : (memref<8x4xf32>, memref<8x4xf32>) -> ()
    "func.return"() : () -> ()
  }}
  func.func @train_step() {{
    "exec.call"() {{callee = "forward_backward"}} : () -> ()
    "exec.call"() {{callee = "forward_backward"}} : () -> ()
    %x = "exec.view"() {{offset = 0 : i64}} : () -> {pp_buffer}
    %y = "exec.view"() {{offset = 4096 : i64}} : () -> {pp_buffer}
    {pp_line}
    "func.return"() : () -> ()
  }}
}}
"#,
        mesh_attr = mesh.to_attr(),
        pp_line = pp_line.replace("PP", &pp.to_string()).replace("BUF", pp_buffer),
    );
    let module = parse_module(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    verify_module(&module).unwrap_or_else(|e| panic!("{e}\n{text}"));
    module
}

const PP_EXCHANGE: &str =
    r#""exec.all_to_all"(%x, %y) {axis = "pp", dim = 1 : i64, size = PP : i64} : (BUF, BUF) -> ()"#;

#[test]
fn matched_exchanges_check() {
    let mesh = Mesh::parse("dp=4,pp=2,ep=2").unwrap();
    let programs = vec![stage(&mesh, PP_EXCHANGE, "memref<4x6xf32>"); 2];
    let report = check(&programs, &mesh).unwrap_or_else(|e| panic!("{e}"));
    // Per stage: 2 calls × 2 exchanges, and the pp exchange.
    assert_eq!(report.events, 2 * 5);
    assert_eq!(report.stage_collectives, 1);
}

#[test]
fn mismatched_exchanges_across_stages_are_named() {
    let mesh = Mesh::parse("dp=4,pp=2,ep=2").unwrap();
    let good = stage(&mesh, PP_EXCHANGE, "memref<4x6xf32>");
    let cases = [
        // Another element count: 4x8 where stage 0 has 4x6.
        (
            stage(&mesh, PP_EXCHANGE, "memref<4x8xf32>"),
            vec!["[24 f32]", "[32 f32]", "12 f32 per peer", "16 f32 per peer"],
        ),
        // Another element type.
        (stage(&mesh, PP_EXCHANGE, "memref<4x6xbf16>"), vec!["[24 f32]", "[24 bf16]"]),
        // Another dim: the same bytes, split otherwise.
        (stage(&mesh, &PP_EXCHANGE.replace("dim = 1", "dim = 0"), "memref<4x6xf32>"), vec!["dim 1", "dim 0"]),
        // Another collective.
        (
            stage(
                &mesh,
                r#""exec.all_reduce"(%x) {axis = "pp", op = "sum", size = PP : i64} : (BUF) -> ()"#,
                "memref<4x6xf32>",
            ),
            vec!["exec.all_to_all(dim 1, 12 f32 per peer)", "exec.all_reduce(sum)"],
        ),
    ];
    for (other, expect) in cases {
        let e = check(&[good.clone(), other], &mesh).expect_err("a mismatch");
        assert!(e.contains("collective mismatch on pp"), "{e}");
        assert!(e.contains("rank 0 (stage 0)") && e.contains("rank 4 (stage 1)"), "{e}");
        assert!(e.contains("@train_step #4"), "{e}");
        for part in expect {
            assert!(e.contains(part), "{e} lacks {part:?}");
        }
    }
}

#[test]
fn wrong_group_sizes_are_named() {
    let mesh = Mesh::parse("dp=4,pp=2,ep=2").unwrap();
    let built = stage(&mesh, PP_EXCHANGE, "memref<4x6xf32>");
    // The program was written for ep = 4 and edp = 1 on a mesh with ep = 2 (edp = 2).
    let other = Mesh::parse("dp=4,pp=2,ep=4").unwrap();
    let wrong = stage(&other, PP_EXCHANGE, "memref<4x6xf32>");
    assert!(check(&[built.clone(), built.clone()], &mesh).is_ok());
    let e = check(&[wrong.clone(), wrong], &mesh).expect_err("a wrong size");
    assert!(e.contains("4 ranks") && e.contains("the mesh's ep axis has 2"), "{e}");
    assert!(e.contains("exec.all_to_all(dim 0, 2048 bf16 per peer) on ep"), "{e}");
    // The edp size alone wrong.
    let text = parc_dialects::printer::print_module(&built).replace(
        r#"{axis = "edp", dim = 1 : i64, size = 2 : i64}"#,
        r#"{axis = "edp", dim = 1 : i64, size = 4 : i64}"#,
    );
    let edp = parse_module(&text).unwrap();
    let e = check(&[edp.clone(), edp], &mesh).expect_err("a wrong size");
    assert!(e.contains("the mesh's edp group has 2"), "{e}");
}

#[test]
fn the_report_counts_the_chunks_sent_to_others() {
    for text in ["dp=4,pp=2,ep=2", "dp=8,pp=2,ep=4", "dp=8,pp=2,ep=8"] {
        let mesh = Mesh::parse(text).unwrap();
        let (ep, edp, pp) = (mesh.ep as u64, (mesh.dp / mesh.ep) as u64, mesh.pp as u64);
        let module = stage(&mesh, PP_EXCHANGE, "memref<4x6xf32>");
        let report = communication(&module);
        let row = |axis: &str| {
            report
                .iter()
                .find(|r| r.collective == "all_to_all" && r.axis == axis)
                .unwrap_or_else(|| panic!("{text}: no all_to_all on {axis}: {report:?}"))
        };
        // ep: 64·128 bf16 = 16384 bytes, twice; each call keeps 1/ep of it.
        let r = row("ep");
        assert_eq!((r.group_size as u64, r.calls, r.buffer_bytes), (ep, 2, 2 * 16384), "{text}");
        assert_eq!(r.bytes_sent, 2 * (16384 - 16384 / ep), "{text}");
        // edp: 8·4 f32 = 128 bytes, twice.
        let r = row("edp");
        assert_eq!((r.group_size as u64, r.calls, r.buffer_bytes), (edp, 2, 256), "{text}");
        assert_eq!(r.bytes_sent, 2 * (128 - 128 / edp), "{text}");
        // pp: 4·6 f32 = 96 bytes, once.
        let r = row("pp");
        assert_eq!((r.calls, r.buffer_bytes, r.bytes_sent), (1, 96, 96 - 96 / pp), "{text}");
    }
}

#[test]
fn the_cost_model_times_exchanges_inside_and_across_nodes() {
    let gpu = built_in("h100-sxm").unwrap();
    assert_eq!(gpu.gpus_per_node, 8);
    let p = FreeParams::FITTED;
    // latency + bus bytes / (efficiency · peak · message / (message + half)).
    let alpha_beta = |message: f64, n: f64, peak: f64| {
        let bus = (n - 1.0) / n * message;
        let bw = p.collective_efficiency * peak * message / (message + p.half_bandwidth_bytes);
        p.collective_latency_s + bus / bw
    };
    let (intra, inter) = (gpu.intra_node_bus_bandwidth, gpu.inter_node_bus_bandwidth);
    assert!(inter < intra);
    // (mesh, ep spans nodes, edp spans nodes). Ranks: tp innermost, then dp; 8 per node.
    //   dp=16,ep=4:  ep = 4 consecutive ranks (one node); edp = ranks 0, 4, 8, 12 (two nodes).
    //   dp=16,ep=16: ep = ranks 0..15 (two nodes); edp = the rank alone.
    //   dp=8,tp=2,ep=2: ep = ranks 0, 2 (one node); edp = ranks 0, 4, 8, 12 (two nodes).
    //   dp=4,tp=2,ep=2: ep = ranks 0, 2; edp = ranks 0, 4 (one node).
    for (text, ep_inter, edp_inter) in [
        ("dp=16,ep=4", false, true),
        ("dp=16,ep=16", true, false),
        ("dp=8,tp=2,ep=2", false, true),
        ("dp=4,tp=2,ep=2", false, false),
    ] {
        let mesh = Mesh::parse(text).unwrap();
        let model = CostModel { gpu: &gpu, mesh, params: p };
        let module = stage(&mesh, "", "memref<4x6xf32>");
        let cost = model.function(&module, "train_step", &mut BTreeMap::new());
        let peak = |across: bool| if across { inter } else { intra };
        let want_ep = 2.0 * alpha_beta(16384.0, mesh.ep as f64, peak(ep_inter));
        let want_edp = 2.0 * alpha_beta(128.0, (mesh.dp / mesh.ep) as f64, peak(edp_inter));
        let got_ep = cost.time.comm_s["ep"];
        let got_edp = cost.time.comm_s["edp"];
        assert!((got_ep - want_ep).abs() <= 1e-12 * want_ep, "{text}: ep {got_ep} vs {want_ep}");
        assert!((got_edp - want_edp).abs() <= 1e-12 * want_edp, "{text}: edp {got_edp} vs {want_edp}");
        // Nothing else costs time here (views are free).
        assert_eq!(cost.time.gemm_s + cost.time.memory_s, 0.0);
    }
}
