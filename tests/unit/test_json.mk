test_json_OBJS := mval
