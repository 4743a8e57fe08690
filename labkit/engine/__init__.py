"""What both simulators share: `Run`, the run scaffold (horizon, outcome keys, ending), the run loop and
its runaway limits, the policy API, the user-code guard, gc freezing and named registries."""
