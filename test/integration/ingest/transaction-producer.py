"""A foreign transactional producer for test/integration/ingest/transactions.test.ts.

Python's confluent-kafka (librdkafka) with two transactional producers whose
transactions interleave in one partition: for each step of the plan both
begin, both produce (and flush, so the records are in the log), then each
commits or aborts as the plan says. Reads the plan as JSON on stdin:

  {"brokers": "...", "topic": "...", "compression": "lz4",
   "steps": [{"a": {"action": "commit", "messages": [{"key": "...", "value": "..."}]},
              "b": {"action": "abort", "messages": [...]}}]}

and prints {"produced": N} when done.
"""
import json
import sys

from confluent_kafka import Producer


def main() -> None:
    plan = json.load(sys.stdin)
    producers = {}
    for name in ("a", "b"):
        p = Producer({
            "bootstrap.servers": plan["brokers"],
            "transactional.id": f"{plan['topic']}-{name}",
            "compression.type": plan.get("compression", "none"),
            "linger.ms": plan.get("linger_ms", 20),
            "batch.size": plan.get("batch_size", 1000000),
        })
        p.init_transactions(30)
        producers[name] = p
    produced = 0
    for step in plan["steps"]:
        for name, p in producers.items():
            if name in step:
                p.begin_transaction()
        for name, p in producers.items():
            for m in step.get(name, {}).get("messages", []):
                p.produce(plan["topic"], key=m["key"].encode(), value=m["value"].encode(), partition=0,
                          headers=[("content-type", b"application/json"), ("x-producer", b"confluent-kafka-python")])
                produced += 1
            if name in step:
                p.flush(30)
        for name, p in producers.items():
            if name not in step:
                continue
            if step[name]["action"] == "commit":
                p.commit_transaction(30)
            else:
                p.abort_transaction(30)
    print(json.dumps({"produced": produced}))


if __name__ == "__main__":
    main()
