//! In-process TUI figures (criterion): the time to draw one 120×40 frame with 1 k,
//! 100 k and 1 M transcript lines (following the tail, and the "all endpoints" view
//! scrolled to the middle), and the cost of one transcript event through `update`.
//! Run with `cargo bench --bench render`; `bench/run.sh` folds the results into
//! BENCHMARKS.md.

#[path = "../examples/bench/fixture.rs"]
mod fixture;

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use smtptui::model::{Direction, EndpointId, ProbeEvent, TranscriptEntry};
use smtptui::tui::update::{Msg, update};
use smtptui::tui::view::view;

/// Terminal size of every frame.
const W: u16 = 120;
/// Terminal rows.
const H: u16 = 40;

fn frame(c: &mut Criterion) {
    let mut g = c.benchmark_group("frame_120x40");
    g.warm_up_time(Duration::from_millis(500));
    g.measurement_time(Duration::from_secs(3));
    for n in [1_000usize, 100_000, 1_000_000] {
        let mut app = fixture::app_with_lines(n, W, H);
        let mut term = Terminal::new(TestBackend::new(W, H)).expect("a test backend cannot fail");
        g.bench_with_input(BenchmarkId::new("tail", n), &n, |b, _| {
            b.iter(|| {
                term.draw(|f| view(black_box(&app), f))
                    .expect("a test backend cannot fail");
            });
        });
        app.panes.transcript.all = true;
        app.panes.transcript.scroll = Some(n / 2);
        g.bench_with_input(BenchmarkId::new("all_scrolled", n), &n, |b, _| {
            b.iter(|| {
                term.draw(|f| view(black_box(&app), f))
                    .expect("a test backend cannot fail");
            });
        });
    }
    g.finish();
}

fn events(c: &mut Criterion) {
    let mut g = c.benchmark_group("apply_event");
    g.warm_up_time(Duration::from_millis(500));
    g.measurement_time(Duration::from_secs(2));
    g.throughput(criterion::Throughput::Elements(1));
    let mut app = fixture::app_with_lines(0, W, H);
    let run = app.run().id();
    let mut i = 0u64;
    g.bench_function("transcript_line", |b| {
        b.iter(|| {
            i += 1;
            update(
                &mut app,
                black_box(Msg::Probe(ProbeEvent::Line {
                    run,
                    endpoint: EndpointId(0),
                    entry: TranscriptEntry::new(i as f64, Direction::Server, "250 2.0.0 OK"),
                })),
            )
        });
    });
    g.finish();
}

criterion_group!(benches, frame, events);
criterion_main!(benches);
