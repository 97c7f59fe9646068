/* config: outreach.conf (INI, read with inih) — every key known, typed, validated, with file:line. */
#ifndef OUTREACH_CONFIG_H
#define OUTREACH_CONFIG_H
#include <stdbool.h>
#include <stddef.h>

struct err;

enum config_save_sent { SAVE_SENT_AUTO, SAVE_SENT_YES, SAVE_SENT_NO };
enum config_stop_scope { STOP_CONTACT, STOP_DEPARTMENT, STOP_INSTITUTION };

/* Where a value came from, for messages like "outreach.conf:12: [account] rate: ...". */
struct config_loc {
	int line; /* 0 when the value is a default */
};

struct config_var {
	char *name;
	char *value;
	struct config_loc loc;
};

/* One follow-up step: "7 business days: templates/followup-1.md". */
struct config_step {
	char *delay;     /* the delay as written ("7 business days"); validated at load */
	char *template;  /* path as written (relative to the workspace) */
	struct config_loc loc;
};

struct config_campaign {
	char *name;
	struct config_loc loc;           /* the [campaign NAME] line */
	char *contacts;                  /* CSV path (optional: contacts may be imported by hand) */
	char *template;                  /* first message template (required) */
	struct config_step *followups;   /* in order */
	size_t nfollowups;
	char **attachments;              /* campaign-wide attachments (templates may add more) */
	size_t nattachments;
	struct config_var *vars;         /* var.NAME = value: campaign fields for templates */
	size_t nvars;
	char *window;                    /* NULL: the account's */
	long daily_limit;                /* 0: the account's */
	enum config_stop_scope stop_scope;
	bool skip_holidays;
	bool allow_overlap;              /* may write to contacts another campaign wrote to */
	struct config_loc window_loc, daily_limit_loc;
};

struct config_account {
	char *from_name;                 /* display name, may be empty; UTF-8 */
	char *from_addr;
	char *smtp_url;
	char *imap_url;
	char *user;                      /* default: from_addr */
	bool has_password;               /* a literal password is in the file (value not kept here) */
	char *password_command;
	char *oauth2_token_command;
	char *cafile;
	bool insecure;                   /* TLS certificates not verified (warned on every run) */
	bool allow_plaintext;            /* plain SMTP/IMAP without TLS (local test servers only) */
	char *timezone;                  /* IANA name */
	enum config_save_sent save_sent;
	char *sent_folder;               /* NULL: found by SPECIAL-USE \Sent */
	char *drafts_folder;             /* NULL: found by SPECIAL-USE \Drafts */
	char **folders;                  /* folders polled for replies (default INBOX) */
	size_t nfolders;
	char *transport;                 /* "smtp" or "maildir:PATH" */
	char *rate;                      /* e.g. "20/hour"; NULL: none */
	long daily_limit;
	long per_domain_daily_limit;
	char *gap;                       /* e.g. "45s..120s" */
	char *window;                    /* e.g. "Mon-Fri 08:30-16:30" */
	bool skip_holidays;
	char *rules;                     /* classification rules file; NULL: the built-in rules */
	long poll_interval;              /* seconds, for --watch without IDLE */
	long timeout;                    /* network timeout in seconds */
	long max_attempts;               /* temporary failures before a message is failed_perm */
	struct config_loc loc_from, loc_smtp_url, loc_imap_url, loc_rate, loc_gap, loc_window,
		loc_timezone, loc_transport, loc_cafile, loc_password;
};

struct config {
	char *path;                      /* as opened */
	char *dir;                       /* directory holding it: relative paths start here */
	struct config_account account;
	struct config_campaign *campaigns;
	size_t ncampaigns;
};

/*
 * Read and validate a configuration file. Errors (ERR_CONFIG) name file:line and the key:
 * unknown sections and keys, bad values, duplicates of single-valued keys, and a literal
 * password in a file that group or others can read (msmtp's rule). On success *out is the
 * caller's (config_free). The password itself is never stored in struct config.
 */
int config_load(const char *path, struct config **out, struct err *e);
void config_free(struct config *c);
/* The campaign called name, or the only campaign when name is NULL; ERR_USAGE otherwise. */
const struct config_campaign *config_campaign(const struct config *c, const char *name, struct err *e);
/* Resolve a path from the config relative to the config's directory. Caller frees. */
char *config_path(const struct config *c, const char *p);
/* Re-read only the literal password from the file (when needed to log in); caller zeroes
 * and frees. NULL when there is none. */
char *config_literal_password(const struct config *c, struct err *e);
/* Parse "Display Name <addr@domain>" or "addr@domain". Returns 0 or -1 (message in e). */
int config_parse_mailbox(const char *s, char **name, char **addr, struct err *e);

#endif
