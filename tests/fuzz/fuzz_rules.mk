fuzz_rules_OBJS := rules
