# SPDX-License-Identifier: MIT
# bash completion for lstar-policy(1): installed as
# $(PREFIX)/share/bash-completion/completions/lstar-policy.  The profile
# names are policy/profiles/'s (tests/test_install.c checks them).

_lstar_policy_profiles='compute default readonly stdio'

_lstar_policy()
{
	local cur=${COMP_WORDS[COMP_CWORD]} IFS=$'\n'

	COMPREPLY=()
	if ((COMP_CWORD == 1)); then
		COMPREPLY=($(IFS=' '; compgen -W 'check explain --help' -- "$cur"))
		return 0
	fi
	case ${COMP_WORDS[1]} in
	check) ;;
	explain) ((COMP_CWORD == 2)) || return 0 ;;
	*) return 0 ;;
	esac
	# A policy file, a stock profile's name (never one with a /), or -
	# for standard input.
	compopt -o filenames 2>/dev/null
	COMPREPLY=($(compgen -f -- "$cur"))
	if [[ $cur != */* ]]; then
		COMPREPLY+=($(IFS=' '; compgen -W "$_lstar_policy_profiles -" -- "$cur"))
	fi
	return 0
}
complete -F _lstar_policy lstar-policy
