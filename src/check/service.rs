//! Service rules (selector matching no pods, unknown named targetPort) and the shared notion of
//! which containers of a workload serve which Services.

use super::index::Ctx;
use super::model::{Finding, PortRef, Severity};
use super::parse::Step;
use std::collections::BTreeMap;

/// For workload `wi`: container position (in `Workload::containers`) → names of the Services it
/// serves. A container serves a Service when it declares one of the Service's target ports (by
/// name or number); when no container of the pod declares any of them, containers that declare no
/// ports at all are assumed to serve it (ports are informational), and failing that, all
/// long-running containers.
pub(crate) fn serving_containers<'a>(ctx: &Ctx<'a>, wi: usize) -> BTreeMap<usize, Vec<&'a str>> {
    let w = &ctx.workloads[wi];
    let mut out: BTreeMap<usize, Vec<&'a str>> = BTreeMap::new();
    for &si in &ctx.services_of[wi] {
        let svc = &ctx.services[si];
        let long: Vec<usize> = (0..w.containers.len())
            .filter(|&i| w.containers[i].long_running())
            .collect();
        let mut chosen: Vec<usize> = long
            .iter()
            .copied()
            .filter(|&i| {
                svc.ports
                    .iter()
                    .any(|p| w.containers[i].declares(&p.target))
            })
            .collect();
        if chosen.is_empty() {
            chosen = long
                .iter()
                .copied()
                .filter(|&i| w.containers[i].ports.is_empty())
                .collect();
        }
        if chosen.is_empty() {
            chosen = long;
        }
        for i in chosen {
            out.entry(i).or_default().push(svc.obj.name.as_str());
        }
    }
    out
}

/// Runs the Service rules.
pub(crate) fn check(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    for (si, svc) in ctx.services.iter().enumerate() {
        let Some(sel) = &svc.selector else { continue };
        let selected = &ctx.workloads_of_service[si];
        if selected.is_empty() {
            if ctx
                .namespaces_with_workloads
                .contains(svc.obj.namespace.as_str())
            {
                out.push(
                    ctx.finding("service-selector-matches-nothing", svc.idx)
                        .at(ctx.path_line(svc.idx, &["spec", "selector"]))
                        .message(format!(
                            "Service '{}' selector {sel} matches no pod template in namespace '{}' of the audited manifests; it has no endpoints and every request fails",
                            svc.obj.name, svc.obj.namespace
                        )),
                );
            }
            continue;
        }
        for p in &svc.ports {
            let PortRef::Name(name) = &p.target else {
                continue;
            };
            for &wi in selected {
                let w = &ctx.workloads[wi];
                if !w.long_running().any(|c| c.declares(&p.target)) {
                    out.push(
                        ctx.finding("service-target-port-unknown", svc.idx)
                            .severity(Severity::Error)
                            .at(ctx.line(
                                svc.idx,
                                &[Step::Key("ports"), Step::Key("targetPort")],
                            ))
                            .message(format!(
                                "Service '{}' targets port '{name}' but no container of {} declares a port named '{name}'; its pods get no endpoint for that port",
                                svc.obj.name,
                                w.obj.display()
                            )),
                    );
                }
            }
        }
    }
}
