#!/usr/bin/env python3
"""A stand-in for `backline lsp` that records what the editor plugin sends.

Used by tests/nvim.rs to test the Neovim plugin on its own (which files it attaches to, one
client per root, the initializationOptions and didChangeConfiguration payloads, the exact
executeCommand arguments of :BacklineOwner and :BacklineCheck) independently of the real server,
whose behaviour the other test in tests/nvim.rs checks. It answers the two Backline commands with
canned results in the contract's shape and logs every message it receives, one JSON object per
line, to $FAKE_LSP_LOG_DIR/<pid>.jsonl.
"""
import json
import os
import sys

LOG_DIR = os.environ["FAKE_LSP_LOG_DIR"]
LOG = open(os.path.join(LOG_DIR, f"{os.getpid()}.jsonl"), "a", encoding="utf-8")


def log(entry):
    LOG.write(json.dumps(entry) + "\n")
    LOG.flush()


def read_message(stream):
    length = None
    while True:
        line = stream.readline()
        if not line:
            return None
        line = line.strip()
        if not line:
            break
        name, _, value = line.decode("ascii").partition(":")
        if name.lower() == "content-length":
            length = int(value.strip())
    if length is None:
        return None
    return json.loads(stream.read(length).decode("utf-8"))


def send(message):
    body = json.dumps(message).encode("utf-8")
    sys.stdout.buffer.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    sys.stdout.buffer.flush()


def respond(request, result=None, error=None):
    reply = {"jsonrpc": "2.0", "id": request["id"]}
    if error is not None:
        reply["error"] = error
    else:
        reply["result"] = result
    send(reply)


def main():
    log({"argv": sys.argv[1:]})
    root_uri = None
    stdin = sys.stdin.buffer
    while True:
        message = read_message(stdin)
        if message is None:
            return
        log(message)
        method = message.get("method")
        if "id" not in message or method is None:
            if method == "exit":
                return
            continue
        if method == "initialize":
            root_uri = message["params"].get("rootUri")
            respond(
                message,
                {
                    "capabilities": {
                        "textDocumentSync": {"openClose": True, "change": 2},
                        "executeCommandProvider": {
                            "commands": ["backline.ownerAt", "backline.checkWorkspace"]
                        },
                    },
                    "serverInfo": {"name": "fake-backline"},
                },
            )
        elif method == "shutdown":
            respond(message, None)
        elif method == "workspace/executeCommand":
            command = message["params"].get("command")
            if command == "backline.ownerAt":
                respond(
                    message,
                    {
                        "entity": "component:default/payments-api",
                        "owner": "group:default/team-a",
                        "markdown": "**Team A** (group:default/team-a)\n\nSlack: #team-a",
                    },
                )
            elif command == "backline.checkWorkspace":
                # Like the real server: diagnostics for the workspace's files, then the counts.
                send(
                    {
                        "jsonrpc": "2.0",
                        "method": "textDocument/publishDiagnostics",
                        "params": {
                            "uri": f"{root_uri}/org.yaml",
                            "diagnostics": [
                                {
                                    "range": {
                                        "start": {"line": 4, "character": 8},
                                        "end": {"line": 4, "character": 14},
                                    },
                                    "severity": 1,
                                    "code": "BL0101",
                                    "source": "backline",
                                    "message": "unknown entity reference team-ghost",
                                }
                            ],
                        },
                    }
                )
                respond(message, {"files": 3, "errors": 1, "warnings": 2})
            else:
                respond(message, error={"code": -32602, "message": f"unknown command {command}"})
        else:
            respond(message, error={"code": -32601, "message": f"unhandled {method}"})


if __name__ == "__main__":
    main()
