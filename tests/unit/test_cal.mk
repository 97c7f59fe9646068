test_cal_OBJS := tz
