"""The read model of the agent-jobs contracts: chain logs decoded and projected onto Agent, Job
and their satellites (decode → apply; rollback undoes a reorg)."""
