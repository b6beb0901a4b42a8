//! KEDA scaling in the spec: a queue consumer scales on its backlog (a KEDA `ScaledObject`,
//! keda.sh/v1alpha1) instead of CPU. The triggers carry KEDA's own field names, so the spec reads
//! like the scaler docs ("Scalers" on keda.sh: Apache Kafka, RabbitMQ Queue, AWS SQS Queue, Redis
//! Lists, Prometheus). Secrets never go in: credentials come from a `TriggerAuthentication` named
//! by `authenticationRef`, or from `...FromEnv` keys naming the container's own variables.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::{FieldError, FieldErrors};

/// Metadata keys KEDA 2.x reads as whole numbers (int64): Kafka's `lagThreshold`, SQS's
/// `queueLength`, Redis's `listLength` (KEDA scaler docs; its Go types).
const INTEGER_KEYS: [&str; 3] = ["lagThreshold", "queueLength", "listLength"];

/// Scaling beyond the default CPU HPA.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Scaling {
    /// A KEDA ScaledObject instead of the HPA (KEDA makes and owns an HPA itself; the bundle
    /// never has both on one Deployment).
    pub keda: Keda,
}

/// The ScaledObject's answers. `minReplicaCount` is always the replica count (never 0).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Keda {
    /// The scalers; KEDA scales to the largest replica count any of them asks for.
    pub triggers: Vec<Trigger>,
    /// Most pods [default: the HPA policy's maximum]. For Kafka, more consumers than partitions
    /// sit idle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_replica_count: Option<u32>,
    /// Seconds between two checks of each trigger [default: 30, KEDA's own].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub polling_interval: Option<u32>,
    /// Seconds after the last active trigger before scaling to 0 [default: 300]; it only acts on
    /// the step to 0, which this bundle never takes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cooldown_period: Option<u32>,
}

/// The scaler types the spec accepts (KEDA `triggers[].type`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum TriggerType {
    /// Apache Kafka consumer-group lag.
    Kafka,
    /// RabbitMQ queue length or message rate.
    Rabbitmq,
    /// AWS SQS queue length.
    AwsSqsQueue,
    /// Redis list length.
    Redis,
    /// A Prometheus query.
    Prometheus,
}

/// One KEDA trigger: its type, its metadata (KEDA's own keys, string values) and the
/// TriggerAuthentication holding its credentials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Trigger {
    /// The scaler: kafka, rabbitmq, aws-sqs-queue, redis or prometheus.
    #[serde(rename = "type")]
    #[schemars(rename = "type")]
    pub kind: TriggerType,
    /// The scaler's metadata, e.g. `{bootstrapServers: kafka:9092, consumerGroup: mailer,
    /// topic: mail, lagThreshold: "50"}`.
    pub metadata: BTreeMap<String, String>,
    /// A TriggerAuthentication in the same namespace that supplies credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authentication_ref: Option<AuthenticationRef>,
}

/// `authenticationRef` of a trigger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AuthenticationRef {
    /// Name of the TriggerAuthentication.
    pub name: String,
}

/// One requirement on a trigger's metadata: at least one of `keys` must be set.
struct Needs {
    keys: &'static [&'static str],
    what: &'static str,
}

/// The required metadata of each trigger type, per the KEDA scaler docs, and the keys whose
/// values must be numbers. A key that TriggerAuthentication may supply instead counts as given
/// when the trigger has an `authenticationRef` (RabbitMQ `host`).
fn rules(kind: TriggerType) -> (&'static [Needs], &'static [&'static str], &'static str) {
    match kind {
        TriggerType::Kafka => (
            &[
                Needs { keys: &["bootstrapServers", "bootstrapServersFromEnv"], what: "the brokers (host:port,...)" },
                Needs { keys: &["consumerGroup", "consumerGroupFromEnv"], what: "the consumer group whose lag is measured" },
            ],
            &["lagThreshold", "activationLagThreshold"],
            "Apache Kafka",
        ),
        TriggerType::Rabbitmq => (
            &[
                Needs { keys: &["queueName"], what: "the queue" },
                Needs { keys: &["host", "hostFromEnv"], what: "the broker URL, the container variable holding it, or an authenticationRef (--keda-auth) whose TriggerAuthentication supplies it" },
            ],
            &["value", "activationValue"],
            "RabbitMQ Queue",
        ),
        TriggerType::AwsSqsQueue => (
            &[
                Needs { keys: &["queueURL", "queueURLFromEnv"], what: "the queue URL" },
                Needs { keys: &["awsRegion"], what: "the queue's AWS region" },
            ],
            &["queueLength", "activationQueueLength"],
            "AWS SQS Queue",
        ),
        TriggerType::Redis => (
            &[
                Needs { keys: &["address", "addressFromEnv", "host"], what: "the server (host:port)" },
                Needs { keys: &["listName"], what: "the list" },
            ],
            &["listLength", "activationListLength"],
            "Redis Lists",
        ),
        TriggerType::Prometheus => (
            &[
                Needs { keys: &["serverAddress"], what: "the Prometheus URL" },
                Needs { keys: &["query"], what: "a query that returns one value" },
                Needs { keys: &["threshold"], what: "the value per pod to scale at" },
            ],
            &["threshold", "activationThreshold"],
            "Prometheus",
        ),
    }
}

/// Checks the KEDA answers: at least one trigger; per trigger the required metadata keys of
/// its type (KEDA scaler docs), numeric thresholds, a RabbitMQ `mode` of QueueLength or
/// MessageRate with its `value`, clean keys and values, a DNS-name `authenticationRef`; and
/// `maxReplicaCount` above `replicas`, intervals from 1 s to 1 hour.
pub fn validate(keda: &Keda, replicas: u32, errs: &mut FieldErrors) {
    if keda.triggers.is_empty() {
        errs.push(
            FieldError::new(
                "scaling.keda.triggers",
                "[]",
                "needs at least one trigger".into(),
            )
            .help("e.g. --keda-kafka kafka:9092,orders,order-worker,50"),
        );
    }
    for (i, t) in keda.triggers.iter().enumerate() {
        let field = format!("scaling.keda.triggers[{i}]");
        let (needs, numeric, doc) = rules(t.kind);
        let has = |k: &str| t.metadata.get(k).is_some_and(|v| !v.is_empty());
        for n in needs {
            let by_auth = t.kind == TriggerType::Rabbitmq
                && n.keys.contains(&"host")
                && t.authentication_ref.is_some();
            if !by_auth && !n.keys.iter().any(|k| has(k)) {
                errs.push(FieldError::new(
                    &format!("{field}.metadata"),
                    crate::spec::enum_name(&t.kind),
                    format!(
                        "needs {} ({}), as the KEDA \"{doc}\" scaler requires",
                        n.keys.join(" or "),
                        n.what
                    ),
                ));
            }
        }
        for (k, v) in &t.metadata {
            let clean = |s: &str| s.len() <= 1024 && !s.chars().any(char::is_control);
            if k.is_empty()
                || !k
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
            {
                errs.push(FieldError::new(
                    &format!("{field}.metadata"),
                    k,
                    "a metadata key is a KEDA field name: letters, digits, '.', '_' or '-'".into(),
                ));
            } else if !clean(v) {
                errs.push(FieldError::new(
                    &format!("{field}.metadata.{k}"),
                    v,
                    "must be at most 1024 characters without control characters".into(),
                ));
            } else if INTEGER_KEYS.contains(&k.as_str()) && !v.parse::<i64>().is_ok_and(|n| n > 0) {
                // KEDA 2.x parses these as int64 and its Kafka scaler refuses 0.
                errs.push(FieldError::new(
                    &format!("{field}.metadata.{k}"),
                    v,
                    "must be a whole number above 0 (KEDA reads it as an integer), e.g. \"50\""
                        .into(),
                ));
            } else if numeric.contains(&k.as_str())
                && !v.parse::<f64>().is_ok_and(|n| n.is_finite() && n >= 0.0)
            {
                errs.push(FieldError::new(
                    &format!("{field}.metadata.{k}"),
                    v,
                    "must be a number of 0 or more (KEDA reads it as a float), e.g. \"50\"".into(),
                ));
            }
            if k == "hostFromEnv" && crate::config::check_c_identifier(v).is_err() {
                errs.push(FieldError::new(
                    &format!("{field}.metadata.{k}"),
                    v,
                    "must name an environment variable of the container (a C identifier, e.g. RABBITMQ_URL)".into(),
                ));
            }
        }
        if t.kind == TriggerType::Rabbitmq {
            match t.metadata.get("mode").map(String::as_str) {
                None => errs.push(FieldError::new(
                    &format!("{field}.metadata"),
                    "rabbitmq",
                    "needs mode (QueueLength: messages waiting per pod; MessageRate: messages/s per pod) and its value".into(),
                )),
                Some("QueueLength" | "MessageRate") if !has("value") => errs.push(FieldError::new(
                    &format!("{field}.metadata"),
                    "rabbitmq",
                    "needs value: the queue length or message rate one pod handles".into(),
                )),
                Some("QueueLength" | "MessageRate") => {}
                Some(m) => errs.push(FieldError::new(
                    &format!("{field}.metadata.mode"),
                    m,
                    "must be QueueLength or MessageRate".into(),
                )),
            }
        }
        if let Some(a) = &t.authentication_ref {
            if let Err(why) = check_dns_subdomain(&a.name) {
                errs.push(FieldError::new(
                    &format!("{field}.authenticationRef.name"),
                    &a.name,
                    why,
                ));
            }
        }
    }
    if let Some(max) = keda.max_replica_count {
        if max <= replicas || max > 1000 {
            errs.push(FieldError::new(
                "scaling.keda.maxReplicaCount",
                max,
                format!("must be above minReplicaCount (the replica count, {replicas}) and at most 1000"),
            ));
        }
    }
    for (name, v) in [
        ("pollingInterval", keda.polling_interval),
        ("cooldownPeriod", keda.cooldown_period),
    ] {
        if let Some(v) = v.filter(|v| !(1..=3600).contains(v)) {
            errs.push(FieldError::new(
                &format!("scaling.keda.{name}"),
                v,
                "must be from 1 to 3600 seconds".into(),
            ));
        }
    }
}

/// A DNS-1123 subdomain (object names such as a TriggerAuthentication's): dot-separated
/// labels, at most 253 characters.
pub fn check_dns_subdomain(s: &str) -> Result<(), String> {
    if s.len() > 253 {
        return Err(format!(
            "is {} characters long; a name has at most 253",
            s.len()
        ));
    }
    s.split('.')
        .try_for_each(crate::spec::check_dns_label)
        .map_err(|_| "must be an object name: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit".into())
}

/// A trigger from a flag's comma-separated value: `FLAG` names it in errors, `fields` are the
/// metadata keys in the order the flag takes them, `fixed` metadata every such trigger gets.
/// The field named `rest` (if any) takes everything between its neighbours, commas included
/// (a Prometheus query).
pub fn trigger_from_flag(
    flag: &str,
    value: &str,
    kind: TriggerType,
    fields: &[&str],
    rest: Option<&str>,
    fixed: &[(&str, &str)],
) -> Result<Trigger, FieldError> {
    let usage = || {
        FieldError::new(
            flag,
            value,
            format!(
                "must be {} (the KEDA metadata keys it fills), separated by commas, each non-empty",
                fields.join(",")
            ),
        )
    };
    let parts: Vec<&str> = match rest.and_then(|r| fields.iter().position(|f| *f == r)) {
        Some(at) => {
            let before = at;
            let after = fields.len() - at - 1;
            let mut head: Vec<&str> = value.splitn(before + 1, ',').collect();
            if head.len() != before + 1 {
                return Err(usage());
            }
            let tail_text = head.pop().unwrap_or_default();
            let mut tail: Vec<&str> = tail_text.rsplitn(after + 1, ',').collect();
            if tail.len() != after + 1 {
                return Err(usage());
            }
            tail.reverse();
            head.extend(tail);
            head
        }
        None => value.split(',').collect(),
    };
    if parts.len() != fields.len() || parts.iter().any(|p| p.trim().is_empty()) {
        return Err(usage());
    }
    let mut metadata: BTreeMap<String, String> = fields
        .iter()
        .zip(&parts)
        .map(|(k, v)| (k.to_string(), v.trim().to_string()))
        .collect();
    for (k, v) in fixed {
        metadata.insert(k.to_string(), v.to_string());
    }
    Ok(Trigger {
        kind,
        metadata,
        authentication_ref: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kafka(meta: &[(&str, &str)]) -> Keda {
        Keda {
            triggers: vec![Trigger {
                kind: TriggerType::Kafka,
                metadata: meta
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                authentication_ref: None,
            }],
            max_replica_count: None,
            polling_interval: None,
            cooldown_period: None,
        }
    }

    fn errors(k: &Keda) -> Vec<String> {
        let mut e = FieldErrors::default();
        validate(k, 3, &mut e);
        e.0.iter().map(|f| format!("{}: {}", f.field, f)).collect()
    }

    #[test]
    fn required_metadata_per_trigger_type() {
        assert!(errors(&kafka(&[
            ("bootstrapServers", "k:9092"),
            ("consumerGroup", "g")
        ]))
        .is_empty());
        let e = errors(&kafka(&[
            ("bootstrapServers", "k:9092"),
            ("lagThreshold", "many"),
        ]));
        assert_eq!(e.len(), 2, "{e:?}");
        assert!(
            e[0].contains("consumerGroup or consumerGroupFromEnv"),
            "{e:?}"
        );
        assert!(e[1].contains("lagThreshold"), "{e:?}");
        let mut rabbit = kafka(&[("queueName", "q"), ("mode", "QueueLength"), ("value", "20")]);
        rabbit.triggers[0].kind = TriggerType::Rabbitmq;
        assert_eq!(errors(&rabbit).len(), 1, "host missing");
        rabbit.triggers[0].authentication_ref = Some(AuthenticationRef {
            name: "rabbit-auth".into(),
        });
        assert!(errors(&rabbit).is_empty());
        rabbit.triggers[0]
            .metadata
            .insert("mode".into(), "Length".into());
        assert_eq!(errors(&rabbit).len(), 1);
        let mut prom = kafka(&[("serverAddress", "http://p:9090"), ("query", "sum(x)")]);
        prom.triggers[0].kind = TriggerType::Prometheus;
        assert_eq!(errors(&prom).len(), 1, "threshold missing");
    }

    #[test]
    fn replica_bounds_and_intervals() {
        let mut k = kafka(&[("bootstrapServers", "k:9092"), ("consumerGroup", "g")]);
        k.max_replica_count = Some(3);
        k.polling_interval = Some(0);
        let e = errors(&k);
        assert_eq!(e.len(), 2, "{e:?}");
        k.triggers.clear();
        k.max_replica_count = None;
        k.polling_interval = None;
        assert_eq!(errors(&k).len(), 1);
    }

    #[test]
    fn flags_split_into_metadata_and_a_query_keeps_its_commas() {
        let t = trigger_from_flag(
            "--keda-kafka",
            "k1:9092,orders,workers,50",
            TriggerType::Kafka,
            &["bootstrapServers", "topic", "consumerGroup", "lagThreshold"],
            None,
            &[],
        )
        .unwrap();
        assert_eq!(t.metadata["consumerGroup"], "workers");
        assert!(trigger_from_flag(
            "--keda-kafka",
            "a,b,,d",
            TriggerType::Kafka,
            &["a", "b", "c", "d"],
            None,
            &[]
        )
        .is_err());
        let p = trigger_from_flag(
            "--keda-prometheus",
            "http://p:9090,sum(rate(x[2m])) by (a,b),100",
            TriggerType::Prometheus,
            &["serverAddress", "query", "threshold"],
            Some("query"),
            &[],
        )
        .unwrap();
        assert_eq!(p.metadata["query"], "sum(rate(x[2m])) by (a,b)");
        assert_eq!(p.metadata["threshold"], "100");
    }
}
