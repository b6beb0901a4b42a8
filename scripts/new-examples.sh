#!/usr/bin/env bash
# Creates examples/ from scratch with the commands a user would type (the specs of real public
# apps). CI does not run this: it re-renders each examples/*/zerodown.yaml and fails on drift
# (`zerodown render --check`), so after a change to the policy or templates run
#   cargo run -q -- render -f examples/NAME/zerodown.yaml        (for each example)
# or this script (it deletes examples/*/ first), then commit the result.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q
z=target/debug/zerodown
rm -rf examples/podinfo examples/go-alb examples/spring-petclinic examples/node-hello examples/superset examples/static-site examples/mailer-worker
# stefanprodan/podinfo: Go, port 9898, /readyz and /healthz, distroless-like image.
$z new podinfo --preset go --image ghcr.io/stefanprodan/podinfo:6.9.2 --port 9898 \
  --readiness-path /readyz --liveness-path /healthz --traffic spiky --cost balanced \
  --exposure ingress -n podinfo -o examples/podinfo
# The same Go service behind an AWS ALB (AWS Load Balancer Controller, IP targets, TLS from ACM
# by host); the NetworkPolicy admits the VPC's range, where the ALB's addresses are.
$z new go-alb --preset go --image ghcr.io/stefanprodan/podinfo:6.9.2 --port 9898 \
  --readiness-path /readyz --liveness-path /healthz --traffic spiky --cost balanced \
  -n storefront --exposure load-balancer --load-balancer aws-alb --load-balancer-scheme internet-facing \
  --host podinfo.example.com --tls-secret podinfo-tls --allow-cidr 10.0.0.0/16 -o examples/go-alb
# spring-projects/spring-petclinic: Spring Boot with actuator probe groups, slow JVM start.
$z new spring-petclinic --preset spring-boot --image docker.io/springcommunity/spring-petclinic:3.4.0 \
  --startup-seconds 25 --max-startup-seconds 90 --memory 768Mi --cost resilient \
  --exposure load-balancer -n petclinic -o examples/spring-petclinic
# GoogleCloudPlatform node-hello: plain Node HTTP server on 8080 answering on /.
$z new node-hello --preset node --image gcr.io/google-samples/node-hello:1.0 --port 8080 \
  --readiness-path / --liveness-tcp --traffic steady --cost minimal -n hello -o examples/node-hello
# apache/superset: Python under gunicorn on 8088 with a /health endpoint, slow start.
$z new superset --preset python-gunicorn --image docker.io/apache/superset:4.1.1 --port 8088 \
  --readiness-path /health --liveness-tcp --startup-seconds 40 --max-startup-seconds 180 \
  --memory 2Gi --cpu-request 500m --cpu-limit 2 --drain-seconds 60 --exposure ingress \
  -n superset -o examples/superset
# nginx-unprivileged serving static files (port 8080, UID 101, graceful quit).
$z new static-site --preset nginx-static --image docker.io/nginxinc/nginx-unprivileged:1.28.0-alpine \
  --traffic low --exposure ingress -n web -o examples/static-site
# A queue consumer: no Service, exec probes on files the worker maintains.
$z new mailer-worker --preset worker --image registry.example.com/ops/mailer:2.0.1 \
  --drain-seconds 120 --traffic spiky -n ops -o examples/mailer-worker
