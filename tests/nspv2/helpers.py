"""What the NSPv2 tests compare: the provider-facing callbacks of a run, in order."""

from labkit.trace import Kind


def callbacks(run):
    """Each call into the provider, completion and fault as (name, subject, key).

    key: the session argument for routines that take one (for NSPv2Startup the value it produced), the
    hAsyncCall for NextEx, hLookup for End, "hAsyncCall code" for a completion ("hAsyncCall session RunDown"
    when the broker abandoned it), the routine for a fault.
    """
    produced = {e.span: e.args.get("ppvClientSessionArg") for e in run.trace if e.name == "NSPv2Startup"}
    out = []
    for e in run.trace:
        if e.kind is Kind.CALL and e.actor == "broker":
            if e.name == "NSPv2Startup":
                key = produced.get(e.span)
            elif "lpvClientSessionArg" in e.args or "pvClientSessionArg" in e.args:
                key = e.args.get("lpvClientSessionArg", e.args.get("pvClientSessionArg"))
            else:
                key = e.args.get("hAsyncCall", e.args.get("hLookup"))
            out.append((e.name, e.subject, key))
        elif e.kind is Kind.COMPLETE:
            outcome = e.result_name or e.args["abandoned"]  # a call the broker finished for an ended session
            out.append((f"complete {e.name}", e.subject, f"{e.args['hAsyncCall']} {outcome}"))
        elif e.kind is Kind.FAULT:
            out.append((f"fault {e.name}", e.subject, e.args["routine"]))
    return out
