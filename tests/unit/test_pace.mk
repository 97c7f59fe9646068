test_pace_OBJS := cal tz
