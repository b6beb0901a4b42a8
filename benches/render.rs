//! Spec -> files for one spec (the work of `zerodown new` minus process start and disk), the policy
//! alone, and a batch of 1,000 specs of every preset in one process: on one core, and on all cores
//! as `zerodown render -f` with several spec files renders them. Run: `cargo bench --bench render`.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use zerodown::preset::Preset;
use zerodown::spec::{Answers, Spec, Traffic};
use zerodown::{policy, render};

fn bench(c: &mut Criterion) {
    let preset = Preset::builtin("spring-boot").unwrap();
    let spec = Answers {
        name: Some("checkout".into()),
        namespace: Some("shop".into()),
        image: Some("registry.example.com/shop/checkout:1.4.2".into()),
        startup_seconds: Some(45),
        max_startup_seconds: Some(120),
        traffic: Some(Traffic::Spiky),
        ..Answers::default()
    }
    .resolve(&preset, &mut vec![])
    .unwrap();
    c.bench_function("policy: spec -> plan", |b| {
        b.iter(|| policy::plan(black_box(&spec), &preset))
    });
    c.bench_function("spec -> bundle files (verified)", |b| {
        b.iter(|| {
            let plan = policy::plan(black_box(&spec), &preset);
            render::bundle(&spec, &plan).unwrap()
        })
    });

    let presets = Preset::all_builtin();
    let batch: Vec<(Spec, &Preset)> = (0..1000)
        .map(|i| {
            let p = &presets[i % presets.len()];
            let s = Answers {
                name: Some(format!("svc-{i}")),
                namespace: Some("team".into()),
                image: Some(format!("registry.example.com/team/svc-{i}:1.{i}.0")),
                ..Answers::default()
            }
            .resolve(p, &mut vec![])
            .unwrap();
            (s, p)
        })
        .collect();
    let mut group = c.benchmark_group("batch");
    group.sample_size(10);
    group.bench_function("1,000 specs -> bundle files (verified), one process", |b| {
        b.iter(|| {
            for (s, p) in &batch {
                let plan = policy::plan(black_box(s), p);
                black_box(render::bundle(s, &plan).unwrap());
            }
        })
    });
    group.bench_function("1,000 specs -> bundle files (verified), all cores", |b| {
        use rayon::prelude::*;
        b.iter(|| {
            batch.par_iter().for_each(|(s, p)| {
                let plan = policy::plan(black_box(s), p);
                black_box(render::bundle(s, &plan).unwrap());
            })
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
