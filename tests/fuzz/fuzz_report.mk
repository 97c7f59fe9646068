fuzz_report_OBJS := report report_html store_report store contact svg json mval csvio tz cal config addr
