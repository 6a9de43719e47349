"""``sanxiang ledger rotate-key``: make a new signing key; the old public key stays published."""

from __future__ import annotations

from typing import Any

from sanxiang.ledger.signing import rotate_key

HELP = "轮换检查点签名密钥：生成新密钥，旧公钥继续公布，旧检查点仍可验证。"


def add_arguments(parser: Any) -> None:
    parser.add_argument("--no-checkpoint", action="store_true", help="不立即用新密钥签名检查点（默认立即签名一个）")


def handle(command: Any, **options: Any) -> int:
    signer = rotate_key()
    command.stdout.write(f"new key {signer.verifier_key}")
    if not options.get("no_checkpoint"):
        from sanxiang.ledger.checkpoints import checkpoint_sign

        checkpoint = checkpoint_sign()
        command.stdout.write(f"signed checkpoint {checkpoint.size} with key {checkpoint.key_id}")
    return 0
