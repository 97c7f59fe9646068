fuzz_csv_OBJS := csvio
