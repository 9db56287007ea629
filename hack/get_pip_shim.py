# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Stand-in for the get-pip.py that ansible-test downloads from its CI host.

That host is not reachable from these machines; PyPI is. ansible-test runs this file with the
Python of each sanity virtualenv (created --without-pip) and the arguments it would give
get-pip.py. Bootstrap pip with the standard library's ensurepip, then let pip install what was
asked for from PyPI. hack/lib.sh copies it to ~/.ansible/test/cache/get_pip_<version>.py.
"""

from __future__ import absolute_import, division, print_function

import subprocess
import sys

GET_PIP_ONLY = ('--no-setuptools', '--no-wheel')

subprocess.check_call([sys.executable, '-m', 'ensurepip', '--upgrade', '--default-pip'])
subprocess.check_call([sys.executable, '-m', 'pip', 'install']
                      + [a for a in sys.argv[1:] if a not in GET_PIP_ONLY])
