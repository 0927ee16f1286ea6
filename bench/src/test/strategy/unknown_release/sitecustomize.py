# Makes the ansible-core of this process report 2.99.0, a release the Spindle strategies do not
# know: StrategyPlaybookTest puts this directory first on PYTHONPATH (Python then imports this
# sitecustomize instead of the system's, which sets nothing Ansible needs).
import ansible.release

ansible.release.__version__ = "2.99.0"
