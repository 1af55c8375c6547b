"""What the verifier's routes share, out of the route modules: verifying HPF1 texts for an
institution (counted against its quota, recorded in its access trace) and an institution's name."""

from __future__ import annotations

from eth_abi.abi import decode, encode
from eth_utils.crypto import keccak

from node.accounts import DEMO_INSTITUTIONS
from node.bindings import AccessPurpose
from node.log import get_logger
from verifier.api.deps import charge
from verifier.api.state import ServiceState
from verifier.result import VerificationResult

log = get_logger("hpf.verifier.api")

_INSTITUTION = keccak(text="institution(uint32)")[:4]


def verify_all(state: ServiceState, institution: int, texts: list[str]) -> list[VerificationResult]:
    """Verify `texts` for `institution`: each counted against its quota (the first was counted on
    the way in), each verified certificate recorded in its access trace."""
    charge(state, institution, "verify", len(texts) - 1)  # the request's first was counted on the way in
    verifier = state.verifier(institution)
    results = [verifier.verify(t) for t in texts]
    queue = state.queues.get(institution)
    if queue is not None:
        queue.add([(bytes.fromhex(r.digest[2:]), AccessPurpose.CERTIFICATE_VERIFIED) for r in results if r.digest])
    return results


def institution_name(state: ServiceState, institution: int) -> str | None:
    """The institution's registered name (chain, else the demo list)."""
    if state.reader is not None:
        try:
            raw = state.reader.rpc.eth_call(state.reader.consortium, _INSTITUTION + encode(["uint32"], [institution]))
            (inst,) = decode(["(string,address,uint32,bool)"], raw)
            if inst[0]:
                return str(inst[0])
        except Exception as exc:  # noqa: BLE001 — a name is a courtesy; the chain may be down
            log.info("institution name from the chain unavailable", error=str(exc))
    return next((i.name for i in DEMO_INSTITUTIONS if i.id == institution), None)
