"""Platform e-mail: versioned templates and an outbox that never sends the same e-mail twice.

Other apps call `project.email.outbox.email_send(...)`; nothing else talks to the mail backend."""
