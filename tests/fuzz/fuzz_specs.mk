fuzz_specs_OBJS := cal tz
