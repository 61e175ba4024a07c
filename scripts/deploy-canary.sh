#!/bin/sh
# Seed 004 §3.2 "./scripts/deploy-canary.sh v1.3.0 5%": runs version <tag> beside the stable API
# as a canary taking about <percent> of the traffic, on the k8s/production manifests.
#
# How: Deployment agente-api-canary, a copy of agente-api with image omni:<tag> and the labels
# app=agente-api, track=canary. Service agente-api selects app=agente-api, so it spreads requests
# over stable and canary pods by count; the canary gets ceil(stable × percent / (100 − percent))
# pods (at least one). Watch it (`kubectl logs -l app=agente-api,track=canary`, /metrics), then
#   promote:  kubectl set image deployment/agente-api agente-api=omni:<tag> && $0 --remove
#   abort:    $0 --remove
# Needs kubectl with access to namespace omni (NAMESPACE overrides it).
set -eu
namespace="${NAMESPACE:-omni}"
kc() { kubectl -n "$namespace" "$@"; }

if [ "${1:-}" = "--remove" ]; then
  kc delete deployment agente-api-canary --ignore-not-found
  exit 0
fi
if [ $# -lt 1 ]; then
  echo "usage: $0 <tag> [percent, default 5%] | $0 --remove" >&2
  exit 2
fi
tag="$1"
percent="$(printf '%s' "${2:-5%}" | tr -d '%')"
case "$percent" in
  ''|*[!0-9]*) echo "percent must be a number from 1 to 50 (got \"${2:-}\")" >&2; exit 2 ;;
esac
if [ "$percent" -lt 1 ] || [ "$percent" -gt 50 ]; then
  echo "percent must be from 1 to 50 (got $percent)" >&2
  exit 2
fi

stable="$(kc get deployment agente-api -o jsonpath='{.spec.replicas}')"
canary=$(( (stable * percent + (100 - percent) - 1) / (100 - percent) ))
[ "$canary" -ge 1 ] || canary=1

# The stable Deployment's spec, renamed, relabelled track=canary and pointed at the new image.
kc get deployment agente-api -o json \
  | node -e '
      let text = "";
      process.stdin.on("data", (chunk) => (text += chunk)).on("end", () => {
        const [tag, replicas] = process.argv.slice(1);
        const d = JSON.parse(text);
        const labels = { ...d.spec.selector.matchLabels, track: "canary" };
        const canary = {
          apiVersion: "apps/v1",
          kind: "Deployment",
          metadata: { name: "agente-api-canary", namespace: d.metadata.namespace, labels: { ...d.metadata.labels, track: "canary" } },
          spec: {
            ...d.spec,
            replicas: Number(replicas),
            selector: { matchLabels: labels },
            template: { ...d.spec.template, metadata: { ...d.spec.template.metadata, labels: { ...d.spec.template.metadata.labels, track: "canary" } } },
          },
        };
        for (const container of canary.spec.template.spec.containers) {
          if (container.name === "agente-api") container.image = container.image.replace(/:[^:/]*$/, "") + ":" + tag;
        }
        process.stdout.write(JSON.stringify(canary));
      });' "$tag" "$canary" \
  | kc apply -f -
kc rollout status deployment/agente-api-canary --timeout=300s
echo "canary omni:$tag: $canary pod(s) beside $stable stable (~$percent% of requests)."
echo "watch: kubectl -n $namespace logs -l app=agente-api,track=canary -f"
